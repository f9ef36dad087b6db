"""Issue 16's measurements (docs/live.md, "Measured"): on an idle 16-node
loopback grid, the submission-to-start latency of 50 jobs submitted one at
a time through different nodes, and the messages per second one node
handles under a load generator. Prints numbers, asserts nothing.
Usage: live_measure.py P2PGRID_BINARY LOAD_BINARY"""

import json
import statistics
import subprocess
import sys
import time

from livegrid import Grid


def quantile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def main():
    binary, load = sys.argv[1], sys.argv[2]
    grid = Grid(binary, 16, extra="rate_limit = 100000000\nrate_burst = 100000000\n")
    try:
        grid.start_all()
        time.sleep(3)  # idle: joins and the first RN-Tree summaries are done
        protocol, sandbox, total = [], [], []
        for k in range(50):
            t0 = time.time()
            r = grid.result(k % 16, grid.submit(k % 16, ["true"]), timeout=60)
            total.append(time.time() - t0)
            if r.get("state") != "completed":
                print("job failed:", r)
                continue
            protocol.append((r["protocol_started_ns"] - r["submitted_ns"]) / 1e6)
            sandbox.append((r["started_ns"] - r["submitted_ns"]) / 1e6)
        for name, v in (("job layer start (Assign reached the run node)", protocol),
                        ("program start (payload fetched, bwrap launched)", sandbox)):
            print(f"submission -> {name}: median {statistics.median(v):.1f} ms, p95 {quantile(v, 0.95):.1f} ms, "
                  f"max {max(v):.1f} ms over {len(v)} jobs")
        print(f"submit -> result in hand (CLI, polling every 0.1 s): median {statistics.median(total) * 1e3:.0f} ms, "
              f"p95 {quantile(total, 0.95) * 1e3:.0f} ms")

        target = 5
        before = grid.stats(target)
        t0 = time.time()
        out = subprocess.run([load, grid.secret, grid.addresses[target], str(grid.port), grid.net + ".250", "10"],
                             capture_output=True, text=True, check=True).stdout
        elapsed = time.time() - t0
        after = grid.stats(target)
        gen = json.loads(out)
        handled = after["handled"] - before["handled"]
        received = after["received"] - before["received"]
        print(f"load: generator sent {gen['sent']} in {gen['seconds']:.1f} s ({gen['sent'] / gen['seconds']:.0f}/s), "
              f"node received {received} (the rest overflowed its socket buffer), handled {handled} "
              f"({handled / elapsed:.0f} messages/s authenticated, decoded and run through the job layer), "
              f"drops {after['drops']}")
    finally:
        grid.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
