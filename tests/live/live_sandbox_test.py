"""Issue 16, the sandbox: a job that reaches for the network, reads the
node's secret, writes outside its directory, forks without bound, hogs
memory, spins on the CPU or overruns its time ends as a failed job with the
right reason, and the node keeps serving. Usage: live_sandbox_test.py BINARY"""

import os
import sys

from livegrid import Grid


def main():
    # 1 s of CPU time per process: the infinite loop meets it first.
    grid = Grid(sys.argv[1], 2, seeds=1, wall_time="20s", processes=32, cpu_time="1s")
    failures = []
    try:
        grid.start_all()
        addr, port = grid.addresses[1], grid.port
        outside = os.path.join(grid.dir, "written-by-a-job")
        cases = [
            # The node (or anything) on the host, then the outside world.
            ("network", ["python3", "-c", "import socket, sys\nfor a in (('" + addr + "', " + str(port) + "), "
                         "('192.0.2.1', 80)):\n    try:\n        socket.create_connection(a, 2)\n"
                         "        sys.exit(0)\n    except OSError as e:\n        print(a, e, file=sys.stderr)\n"
                         "sys.exit(1)"], [], ("exit", ("unreachable",))),
            ("secret", ["cat", grid.secret], [], ("exit", ("No such file",))),
            ("write outside", ["sh", "-c", f"echo x > {outside} || echo x > /etc/p2pgrid-pwned || echo x > /usr/pwned"],
             [], ("exit", ("Read-only", "nonexistent", "No such file"))),
            ("fork bomb", ["python3", "-c",
                           "import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
                           "        time.sleep(0.01)"], [], ("processes", ())),
            ("memory hog", ["python3", "-c",
                            "import time\nx = []\nwhile True:\n    x.append(bytearray(4 << 20))\n    time.sleep(0.01)"],
             ["--memory", "96"], ("memory", ())),
            ("infinite loop", ["sh", "-c", "while :; do :; done"], ["--time", "10"], ("cpu", ())),
            ("overrun", ["sleep", "30"], ["--time", "1"], ("timeout", ())),
            ("big file", ["sh", "-c", "head -c 300M /dev/zero > big"], [], ("file_size", ())),
        ]
        jobs = [(name, grid.submit(0, program, *options), expect) for name, program, options, expect in cases]
        for name, job, (reason, words) in jobs:
            r = grid.result(0, job, timeout=60)
            got = f"{r.get('state')}/{r.get('reason')} exit {r.get('exit_code')} signal {r.get('signal')}"
            print(f"{name}: {got}; stderr {r.get('stderr', '')[-200:]!r}", flush=True)
            if r.get("state") != "failed" or r.get("reason") != reason:
                failures.append(f"{name}: expected failed/{reason}, got {got}")
            if words and not any(w in r.get("stderr", "") for w in words):
                failures.append(f"{name}: stderr says none of {words}: {r.get('stderr')!r}")
            if name == "secret" and open(grid.secret).read().strip() in r.get("stdout", ""):
                failures.append("the job read the secret")
        for path in (outside, "/etc/p2pgrid-pwned", "/usr/pwned"):
            if os.path.exists(path):
                failures.append(f"a job wrote {path}")
        # Input files in, output files back by value (small) or by name and size (large).
        data = os.path.join(grid.dir, "numbers.txt")
        with open(data, "w") as f:
            f.write("3\n4\n5\n")
        r = grid.result(0, grid.submit(0, ["sh", "-c", "sort -rn numbers.txt > sorted.txt; head -c 100000 /dev/zero > big"],
                                       "--input", data), timeout=30)
        files = {f["name"]: f for f in r.get("files", [])}
        print(f"files: { {n: (f['size'], 'data' in f) for n, f in files.items()} }, pointer {r.get('pointer')}")
        if r.get("state") != "completed" or files.get("sorted.txt", {}).get("data") != "5\n4\n3\n":
            failures.append(f"input/output files: {r}")
        if files.get("big", {}).get("size") != 100000 or "data" in files.get("big", {}):
            failures.append(f"a large output file should come by name and size only: {files.get('big')}")
        if not r.get("pointer", "").startswith(grid.addresses[0] + ":") and not r.get("pointer", "").startswith(
                grid.addresses[1] + ":"):
            failures.append(f"no pointer to the outputs: {r.get('pointer')}")
        # The node keeps serving: a plain job after all of that.
        r = grid.result(0, grid.submit(0, ["sh", "-c", "echo still serving"]), timeout=30)
        if r.get("state") != "completed" or r.get("stdout") != "still serving\n":
            failures.append(f"a plain job after the attacks: {r}")
        for i, p in grid.procs.items():
            if p.poll() is not None:
                failures.append(f"node {i} died: {grid.log(i)[-2000:]}")
    finally:
        leftovers = grid.stop()
    if leftovers:
        failures.append(f"job processes left running: {leftovers}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
