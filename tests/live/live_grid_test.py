"""Issue 16, the live grid: 16 nodes on loopback, 100 short real jobs with
mixed constraints submitted through 8 different nodes, a quarter of the nodes
killed with SIGKILL while jobs run (run nodes and owners among them), and
every job's result correct and delivered exactly once. Usage:
live_grid_test.py P2PGRID_BINARY"""

import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from livegrid import Grid

NODES = 16
JOBS = 100
CLIENTS = list(range(8))  # nodes 0-7 submit; 0-2 are seeds; none of them is killed


def main():
    binary = sys.argv[1]
    rng = random.Random()
    # Capabilities below any machine's, so the config decides them: the
    # clients between them can run every job, so every job stays placeable
    # whoever dies.
    resources = [(600 + 100 * (i % 4), 512 * (1 + i % 3), 1 + i % 5) for i in range(NODES)]
    grid = Grid(binary, NODES, resources=resources)
    failures = []
    try:
        grid.start_all()
        print(f"{NODES} nodes up on {grid.net}.0/24 port {grid.port}", flush=True)
        jobs = []
        for k in range(JOBS):
            a, b = rng.randint(2, 999), rng.randint(2, 999)
            # Each dimension unconstrained or at most what some client
            # node has, so a capable node survives every kill.
            capable = resources[rng.choice(CLIENTS)]
            # (--memory is also the job's memory limit: at least 64 MiB.)
            cpu, memory, disk = (rng.choice([0, rng.randint(min(64, v), v)]) for v in capable)
            sleep = rng.choice(["1", "2", "3", "4"])
            client = CLIENTS[k % len(CLIENTS)]
            program = ["sh", "-c", f"sleep {sleep}; echo $(({a} * {b}))"]
            options = ["--cpu", str(cpu), "--memory", str(memory), "--disk", str(disk)]
            jobs.append({"client": client, "program": program, "options": options, "expect": f"{a * b}\n"})
        # Submitted in parallel batches, through their clients.
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(lambda j: grid.submit(j["client"], j["program"], *j["options"]), jobs))
        for j, job_id in zip(jobs, ids):
            j["id"] = job_id
        print(f"{JOBS} jobs submitted", flush=True)

        # While jobs run: find the run nodes and owners among nodes 8-15 and
        # kill four of them: two run nodes of running jobs, then owners.
        time.sleep(0.5)
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda j: grid.status(j["client"], j["id"]), jobs))
        candidates = set(range(8, NODES))
        index = {a: i for i, a in enumerate(grid.addresses)}
        run_nodes = [index[s["run_node"]] for s in statuses if s["state"] == "running" and s["run_node"] in index]
        owners = [index[s["owner"]] for s in statuses if s["state"] in ("running", "queued") and s["owner"] in index]
        victims = []
        for pool_ in (run_nodes, owners, sorted(candidates)):
            for n in pool_:
                if n in candidates and n not in victims and len(victims) < NODES // 4:
                    # Two run nodes, then owners, then anyone left.
                    if pool_ is run_nodes and len(victims) >= 2:
                        break
                    victims.append(n)
        killed_run = [n for n in victims if n in run_nodes]
        killed_owner = [n for n in victims if n in owners]
        for n in victims:
            grid.kill9(n)
        print(f"killed nodes {victims}: run nodes of running jobs {killed_run}, owners {killed_owner}", flush=True)
        if not killed_run or not killed_owner:
            failures.append("the kills hit no run node or no owner of a job in flight (states: "
                            f"{sorted(s['state'] for s in statuses)})")

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda j: grid.result(j["client"], j["id"], timeout=90), jobs))
        recovered = 0
        duplicates = 0
        for j, r in zip(jobs, results):
            if not r.get("done"):
                failures.append(f"job {j['id']} has no result: {r}")
                continue
            if r["state"] != "completed" or r["stdout"] != j["expect"]:
                failures.append(f"job {j['id']} {j['program'][2]!r}: {r['state']} {r['reason']} stdout {r['stdout']!r}")
            if r["deliveries"] != 1:
                failures.append(f"job {j['id']} delivered {r['deliveries']} times")
            recovered += r.get("recoveries", 0) > 0 or r.get("attempts", 1) > 1
            duplicates += r.get("duplicate_runs", 0)
        print(f"{sum(1 for r in results if r.get('state') == 'completed')}/{JOBS} completed; {recovered} recovered "
              f"from a failure; {duplicates} duplicate runs discarded", flush=True)
        if recovered == 0:
            failures.append("no job needed a recovery, so the kills tested nothing")
        for i in range(NODES):
            if i not in victims and grid.procs[i].poll() is not None:
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
