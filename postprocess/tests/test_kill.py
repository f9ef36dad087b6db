"""A run killed with SIGKILL leaves a readable file with every row up to its last flush."""

import os
import signal
import time

import pytest

from p2pgrid_post import TraceError, open_trace
from synthetic_jobs import index_of, make_job


def _descendants(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            children = [int(c) for c in f.read().split()]
    except OSError:
        return []
    return children + [d for c in children for d in _descendants(c)]


def _kill(proc):
    """SIGKILL the ranks and mpiexec (Open MPI gives each rank its own process
    group), so no process gets a chance to close the file."""
    for pid in _descendants(proc.pid) + [proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # already gone (the test then fails on its own assertion)
    proc.wait(timeout=30)


def test_killed_jobs_writer_keeps_rows_of_its_last_flush(jobs_tool, tmp_path):
    out = tmp_path / "killed.h5"
    proc = jobs_tool.start(2, out, "--forever", "--seed", 9, "--batch", 50, "--sleep-ms", 20,
                           "--flush-interval-ms", 100)
    flushed = []
    try:
        deadline = time.time() + 60
        while len(flushed) < 3 and time.time() < deadline:
            line = proc.stdout.readline()
            if line.startswith("flushed "):
                flushed.append(int(line.split()[1]))
    finally:
        _kill(proc)
    assert len(flushed) == 3, proc.stderr.read()
    with pytest.raises(TraceError, match="did not finish cleanly"):
        open_trace(out)
    with open_trace(out, allow_incomplete=True) as t:
        assert not t.complete
        jobs = t.table("jobs")
    assert len(jobs) >= flushed[-1] > flushed[0] > 0
    for row in jobs:
        want = make_job(9, index_of(int(row["job"])))
        assert {c: row[c].item() for c in jobs.dtype.names} == want


def test_killed_harness_run_keeps_nodes_and_starts(harness, phold_config, tmp_path):
    out = tmp_path / "killed-run.h5"
    # Without loss PHOLD never dies out, so an hour of simulated time keeps it busy.
    proc = harness.start(2, "run", phold_config, "--set", "run.duration=1h", "--set", "network.loss=0",
                         "--set", "trace.flush_interval=100ms",
                         "-o", out)
    try:
        deadline = time.time() + 60
        while not out.exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # several flush intervals into the run
        assert proc.poll() is None, "the run ended before it could be killed"
    finally:
        _kill(proc)
    with open_trace(out, allow_incomplete=True) as t:
        assert not t.complete
        assert len(t.table("nodes")) == 1000           # flushed when the file was opened
        assert len(t.table("faults")) >= 1000          # every start, flushed within the first interval
        assert len(t.table("engine")) == 0             # written only at a clean close
        assert t.attrs["ranks"] == 2 and "end_time" not in t.attrs
