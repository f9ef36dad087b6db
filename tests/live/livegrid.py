"""Starts and stops a grid of live nodes (p2pgrid node) on loopback
addresses for the live tests: a random 127.a.b.0/24 subnet and a random
port, so tests running at the same time do not collide, a private state
directory, and every daemon killed on the way out, even on failure."""

import atexit
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FAST = """
[sandbox]
uid = {uid}
wall_time = "{wall_time}"
memory = 256
processes = {processes}
file_size = 64
cpu_time = "{cpu_time}"
output_by_value = 4096
[grid]
heartbeat = "0.4s"
missed_heartbeats = 3
client_timeout = "6s"
match_retry = "0.5s"
round_timeout = "3s"
match_deadline = "30s"
forget_after = "120s"
[chord]
stabilize = "0.4s"
fix_fingers = "0.4s"
check_predecessor = "0.4s"
rpc_timeout = "0.3s"
join_retry = "0.3s"
[rntree]
aggregation_period = "0.4s"
visit_timeout = "0.3s"
search_timeout = "3s"
"""


class Grid:
    def __init__(self, binary, nodes, seeds=3, resources=None, extra="", wall_time="20s", processes=64, cpu_time="3600s"):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="p2pgrid-live-")
        os.chmod(self.dir, 0o711)  # the sandbox uids walk through it to their job directories
        self.secret = os.path.join(self.dir, "secret")
        with open(self.secret, "w") as f:
            f.write(os.urandom(24).hex())
        os.chmod(self.secret, 0o600)
        self.net = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}"
        self.port = random.randint(20000, 60000)
        self.addresses = [f"{self.net}.{i + 1}" for i in range(nodes)]
        self.seeds = ",".join(self.addresses[:seeds])
        self.procs = {}
        self.uid_base = 40000 + (os.getpid() % 1000) * 20
        self.resources = resources or [(0, 0, 0)] * nodes
        self.extra = extra
        self.wall_time = wall_time
        self.processes = processes
        self.cpu_time = cpu_time
        atexit.register(self.stop)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: (self.stop(), sys.exit(1)))

    def config(self, i):
        cpu, mem, disk = self.resources[i]
        path = os.path.join(self.dir, f"node{i}.toml")
        with open(path, "w") as f:
            f.write(f'[node]\naddress = "{self.addresses[i]}"\nport = {self.port}\nseeds = "{self.seeds}"\n'
                    f'secret_file = "{self.secret}"\nstate_dir = "{self.dir}/state{i}"\nverbose = true\n'
                    f'cpu = {cpu}\nmemory = {mem}\ndisk = {disk}\n')
            f.write(self.extra)
            f.write(FAST.format(uid=self.uid_base + i, wall_time=self.wall_time, processes=self.processes,
                                cpu_time=self.cpu_time))
        return path

    def start(self, i):
        log = open(os.path.join(self.dir, f"node{i}.log"), "a")
        self.procs[i] = subprocess.Popen([self.binary, "node", self.config(i)], stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL)

    def start_all(self):
        for i in range(len(self.addresses)):
            self.start(i)
            time.sleep(0.02)
        deadline = time.time() + 30
        while time.time() < deadline:
            for i, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"node {i} exited with {p.returncode}:\n" + self.log(i))
            if all(self.stats(i).get("joined") for i in self.procs):
                return
            time.sleep(0.2)
        raise RuntimeError("the nodes did not all join within 30 s")

    def log(self, i):
        with open(os.path.join(self.dir, f"node{i}.log")) as f:
            return f.read()

    def peer(self, i):
        return f"{self.addresses[i]}:{self.port}"

    def cli(self, *args, check=True, timeout=120):
        r = subprocess.run([self.binary, args[0], "--secret", self.secret, *args[1:]], capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode not in (0, 1):
            raise RuntimeError(f"{args}: exit {r.returncode}: {r.stderr}")
        return r

    def stats(self, i):
        r = self.cli("stats", "--peer", self.peer(i), check=False, timeout=30)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return {}

    def submit(self, i, program, *options):
        r = self.cli("submit", "--peer", self.peer(i), *options, "--", *program)
        if r.returncode != 0:
            raise RuntimeError(f"submit through node {i} failed: {r.stderr}")
        return r.stdout.split()[0]

    def submit_async(self, i, program, *options):
        return subprocess.Popen([self.binary, "submit", "--peer", self.peer(i), "--secret", self.secret, *options,
                                 "--", *program], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self, i, job, wait=True, timeout=60):
        args = ["result", "--peer", self.peer(i), job] + (["--wait", "--timeout", str(timeout)] if wait else [])
        r = self.cli(*args, timeout=timeout + 30)
        return json.loads(r.stdout)

    def status(self, i, job):
        return json.loads(self.cli("status", "--peer", self.peer(i), job).stdout)

    def kill9(self, i):
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        deadline = time.time() + 5
        for p in self.procs.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = {}
        # Nothing of the jobs may outlive the nodes: no process of a sandbox uid.
        # (A PID namespace dies a moment after its bwrap: look for 3 s.)
        uids = ",".join(str(self.uid_base + i) for i in range(len(self.addresses)))
        deadline = time.time() + 3
        while True:
            r = subprocess.run(["ps", "-o", "pid=,uid=,args=", "-u", uids], capture_output=True, text=True)
            leftovers = r.stdout.strip().splitlines()
            if not leftovers or time.time() > deadline:
                break
            time.sleep(0.1)
        if os.environ.get("P2PGRID_KEEP_LIVE_DIR") is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        return leftovers
