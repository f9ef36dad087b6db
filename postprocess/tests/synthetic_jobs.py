"""Python mirror of tests/trace/trace_jobs_tool.cpp's job generator: an
independent computation of the rows the tool must have written."""

import numpy as np

M = (1 << 64) - 1
MEAN_WAIT = {"central": 2_000_000_000, "rntree": 5_000_000_000, "can": 8_000_000_000}


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)


def make_job(seed, i, nodes=40, matchmaker="rntree"):
    mean_wait = MEAN_WAIT.get(matchmaker, 11_000_000_000)
    h = splitmix64(seed ^ splitmix64(i))
    h2 = splitmix64(h)
    client = i % 50
    failed = h % 20 == 0
    submit = i * 100_000_000 + h2 % 100_000_000
    run_time = 1_000_000_000 + (h2 >> 16) % 60_000_000_000
    wait = (h2 >> 24) % (2 * mean_wait)
    hops = (h >> 12) % 16
    started = -1 if failed else submit + wait
    return {
        "job": (client << 32) | (i // 50), "guid": h, "client": client, "owner": h2 % nodes,
        "run_node": 0xFFFFFFFF if failed else (h >> 20) % nodes, "status": 1 if failed else 0,
        "reason": 1 if failed else 0, "recoveries": (h >> 8) % 3, "resubmissions": 0, "duplicate_runs": 0,
        "match_hops": hops, "match_messages": hops * 2, "submit": submit,
        "matched": -1 if failed else submit + hops * 10_000_000, "started": started,
        "finished": -1 if failed else started + run_time,
        "ended": submit + 1_800_000_000_000 if failed else started + run_time, "min_cpu": (h % 4) * 0.5,
        "min_memory": float((h >> 4) % 8), "min_disk": 0.0, "run_time": run_time, "input_bytes": (h >> 32) % 1_000_000,
        "user": client, "parents": 0,
    }


def index_of(job):
    """Inverse of the job id: job = client << 32 | i // 50 with client = i % 50."""
    return int(job & 0xFFFFFFFF) * 50 + int(job >> 32)


def expected_waits(seed, jobs, matchmaker):
    rows = [make_job(seed, i, matchmaker=matchmaker) for i in range(jobs)]
    return np.array([(r["started"] - r["submit"]) * 1e-9 for r in rows if r["started"] >= 0])
