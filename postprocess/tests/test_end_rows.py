"""The rows written when a run ends (open jobs, one snapshot row per peer)
go out in rounds of peers with collective flushes between them, so the trace
buffers stay small at 10,000,000 peers (docs/performance.md). Whatever the
rounds and flushes, every row lands once and the tables are those of one
rank with the default buffer."""

import os
import re

import h5py
import numpy as np
import pytest

from conftest import ROOT
from p2pgrid_post import open_trace

# More peers than one round (16,384) on each of 2 ranks, jobs still running
# at the end, and a 4 KiB buffer: the end rows need many flushes.
PEERS = 40_000
SETTINGS = ["--set", f"peers.count={PEERS}", "--set", "workload.jobs=2000", "--set", "workload.clients=100",
            "--set", "workload.interarrival=2ms", "--set", "workload.start=1s", "--set", "run.duration=5s"]
END_TABLES = ("jobs", "chord_snapshot", "rntree_parents", "grid_held", "faults", "nodes")


@pytest.fixture(scope="module")
def end_traces(harness, tmp_path_factory):
    d = tmp_path_factory.mktemp("end_rows")
    config = os.path.join(ROOT, "configs", "scale-grid-10m.toml")
    one, two = d / "one.h5", d / "two.h5"
    harness.run(1, "run", config, *SETTINGS, "-o", one)
    r = harness.run(2, "run", config, *SETTINGS, "--set", "trace.buffer=4096", "--set", "trace.flush_log=true",
                    "-o", two)
    return str(one), str(two), r.stderr


def sorted_rows(path, table):
    with open_trace(path) as t:
        rows = t.table(table)
    return np.sort(rows, order=list(rows.dtype.names))


def test_end_rows_span_several_flushes(end_traces):
    _, _, log = end_traces
    counts = [int(m) for m in re.findall(r"chord_snapshot=(\d+)", log)]
    assert counts and counts[-1] == PEERS
    assert any(0 < c < PEERS for c in counts), "the snapshot rows were written in one flush, not in rounds"


def test_every_peer_has_one_snapshot_row(end_traces):
    _, two, _ = end_traces
    with open_trace(two) as t:
        for table in ("chord_snapshot", "rntree_parents", "nodes"):
            peers = t.table(table, ["peer"])["peer"]
            assert len(peers) == PEERS and len(np.unique(peers)) == PEERS, table


def test_same_end_rows_as_one_rank_with_the_default_buffer(end_traces):
    one, two, _ = end_traces
    with open_trace(one) as t:
        jobs = t.table("jobs", ["status"])
    open_code = h5py.check_enum_dtype(jobs.dtype.fields["status"][0])["open_at_end"]
    assert np.count_nonzero(jobs["status"] == open_code) > 0, "no job was open at the end: the jobs rows are not end rows"
    for table in END_TABLES:
        a, b = sorted_rows(one, table), sorted_rows(two, table)
        if table == "nodes":  # the hosting rank differs by construction
            a, b = a[[n for n in a.dtype.names if n != "rank"]], b[[n for n in b.dtype.names if n != "rank"]]
        assert len(a) == len(b) and np.array_equal(a, b), table
