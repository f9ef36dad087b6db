"""Checkpoint and restart (issue 20): `--resume CKPT -o FILE` continues the trace
the checkpoint was taken with, so a run stopped and resumed (on another rank
count, or from an older checkpoint) leaves one file whose canonical tables
equal an uninterrupted run's, complete and readable like any other; a FILE
that is not that trace is refused (exit 2) and left unchanged.

Runs the real binary (main's path: header read, file checks, job replay)."""

import hashlib
import os
import shutil
import subprocess

import h5py
import pytest

from p2pgrid_post import open_trace
from p2pgrid_post.canon import canonical_text

# PHOLD with crashes at 5 s (restarting at 10 s), a partition, loss and a
# graceful leave at 12 s: fault rows all along the run (checkpoint_test.cpp),
# and the traffic table (written at the end from counters the checkpoint holds).
PHOLD = """
[run]
protocol = "phold"
seed = 5
duration = "20s"
[peers]
count = 300
[network]
loss = 0.02
[[network.partitions]]
start = "8s"
end = "10s"
split = 0.4
[phold]
initial = 3
think = "20ms"
[[faults]]
at = "5s"
fraction = 0.1
restart_after = "5s"
[[faults]]
at = "12s"
action = "leave"
peers = [1, 2, 3]
[trace]
traffic = true
"""

# The grid (Chord, RN-Tree, fair queue) with jobs in flight at every stop,
# crashes at 2 min restarting at 5 min, and a leave (checkpoint_stacks_test.cpp).
GRID = """
[run]
protocol = "grid"
seed = 6
duration = "15min"
[peers]
count = 120
[network]
loss = 0.01
[chord]
bootstrap = "oracle"
[workload]
jobs = 300
clients = 6
interarrival = "1s"
run_time = "60s"
constrained = 0.4
[grid]
queue = "fair"
[match]
kind = "rntree"
[[faults]]
at = "2min"
fraction = 0.2
restart_after = "3min"
[[faults]]
at = "4min"
action = "leave"
peers = [7, 8, 9]
"""

STOPPED = 75
BAD_INPUT = 2


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    d = tmp_path_factory.mktemp("checkpoint_scenarios")
    out = {}
    for name, text in (("phold", PHOLD), ("grid", GRID)):
        out[name] = d / f"{name}.toml"
        out[name].write_text(text)
    return out


@pytest.fixture(scope="module")
def references(harness, scenarios, tmp_path_factory):
    """The uninterrupted run of each scenario on 1 rank: {name: path}."""
    d = tmp_path_factory.mktemp("checkpoint_references")
    out = {}
    for name, config in scenarios.items():
        out[name] = d / f"{name}.h5"
        harness.run(1, "run", config, "-o", out[name])
    return out


def canon(path):
    with open_trace(path) as t:
        assert t.complete
        return canonical_text(t)


def rows(path):
    with h5py.File(path, "r") as f:
        return {name: f[name].shape[0] for name in f}


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def launch(harness, ranks, *args):
    """mpiexec, or for one rank the binary alone (an MPI singleton): mpiexec
    takes seconds to report a non-zero exit (75 or 2), the singleton does not."""
    if ranks > 1:
        return harness.run(ranks, *args, check=False)
    return subprocess.run([harness.binary, *map(str, args)], env=harness.env, capture_output=True, text=True,
                          timeout=240)


def stop(harness, ranks, config, at, ckpt, out, *extra):
    r = launch(harness, ranks, "run", config, "--checkpoint-at", at, "--checkpoint", ckpt, "-o", out, *extra)
    assert r.returncode == STOPPED, r.stderr
    return r


# 1 -> 2 ranks here (main's path: header, checks, job replay, exit codes);
# 2 -> 1, 2 -> 4 and 4 -> 2 in checkpoint_test.cpp and checkpoint_stacks_test.cpp.
@pytest.mark.parametrize("name,at,writers,readers", [("phold", "9s", 1, 2), ("grid", "121s", 1, 2)])
def test_resume_continues_the_same_file(harness, scenarios, references, tmp_path, name, at, writers, readers):
    out = tmp_path / "run.h5"
    ckpt = tmp_path / "run.ckpt"
    stop(harness, writers, scenarios[name], at, ckpt, out)
    with open_trace(out, allow_incomplete=True) as t:
        assert not t.complete  # stopped: complete stays 0 until the run ends
        assert int(t.attrs["segments"]) == 1
    harness.run(readers, "run", scenarios[name], "--resume", ckpt, "-o", out)
    assert canon(out) == canon(references[name])
    if name == "phold":
        assert rows(out)["traffic"] > 0
    with open_trace(out) as t:  # the postprocess reads it like any other trace
        assert t.complete
        assert int(t.attrs["segments"]) == 2
        assert int(t.attrs["ranks"]) == readers
        assert f"ranks={readers}" in t.attrs["resumes"]
        assert len(t.table("engine")) == readers  # the last segment's processes
        assert len(t.table("nodes")) == int(t.attrs["peers"])
        if name == "grid":
            # The load of the nodes table counts the jobs of both segments.
            assert t.table("nodes")["jobs_run"].sum() == (t.table("jobs")["status"] == 0).sum() > 0
    assert rows(out) == {**rows(references[name]), "engine": readers}


def test_resume_from_an_older_checkpoint_drops_the_rows_written_after_it(harness, scenarios, references, tmp_path):
    out = tmp_path / "run.h5"
    old = tmp_path / "old.ckpt"
    stop(harness, 1, scenarios["phold"], "3s", old, out)
    kept = rows(out)["faults"]
    # The run goes on past the old checkpoint (crashes at 5 s, restarts at
    # 10 s, the leave at 12 s) and stops again, with a newer checkpoint.
    stop(harness, 1, scenarios["phold"], "13s", tmp_path / "new.ckpt", out, "--resume", old)
    assert rows(out)["faults"] > kept + 60
    # Resuming from the older one: its rows after 3 s are dropped and written again.
    harness.run(2, "run", scenarios["phold"], "--resume", old, "-o", out)
    assert canon(out) == canon(references["phold"])
    with open_trace(out) as t:
        assert int(t.attrs["segments"]) == 3


def test_resume_into_a_new_file_holds_the_rest_of_the_run(harness, scenarios, references, tmp_path):
    ckpt = tmp_path / "run.ckpt"
    stop(harness, 1, scenarios["phold"], "9s", ckpt, tmp_path / "first.h5")
    harness.run(2, "run", scenarios["phold"], "--resume", ckpt, "-o", tmp_path / "rest.h5")
    with open_trace(tmp_path / "rest.h5") as t:
        assert int(t.attrs["segments"]) == 1
        faults = t.table("faults")
    # Only the rows from the checkpoint on: the crashes at 5 s are not there.
    with open_trace(references["phold"]) as t:
        assert 0 < len(faults) < len(t.table("faults"))
    assert faults["time"].min() >= 9_000_000_000


def refused(harness, config, ckpt, out, *words):
    """One rank (mpiexec takes seconds over a failed run); the refusal on
    every rank of a larger run: hdf5_trace_sink_test.cpp at 2 and 4 ranks."""
    before = digest(out)
    r = launch(harness, 1, "run", config, "--resume", ckpt, "-o", out)
    assert r.returncode == BAD_INPUT, r.stdout + r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("p2pgrid: error:")]
    assert len(errors) == 1, r.stderr  # one line, from rank 0
    message = errors[0]
    assert str(out) in message and "left unchanged" in message, message
    for word in words:
        assert word in message, message
    assert digest(out) == before
    return message


def test_a_file_that_is_not_the_checkpoints_trace_is_refused_and_left_unchanged(harness, scenarios, references,
                                                                               tmp_path):
    ckpt = tmp_path / "run.ckpt"
    stop(harness, 1, scenarios["phold"], "9s", ckpt, tmp_path / "run.h5")
    # Another configuration's trace (the grid's).
    other = tmp_path / "other.h5"
    shutil.copy(references["grid"], other)
    refused(harness, scenarios["phold"], ckpt, other, "'config_hash'", "another configuration")
    # The same configuration, but another run's file (the uninterrupted one).
    same = tmp_path / "same.h5"
    shutil.copy(references["phold"], same)
    refused(harness, scenarios["phold"], ckpt, same, "'trace_id'", "another run")
    # Not HDF5 at all, and HDF5 but not a p2pgrid trace.
    text = tmp_path / "notes.h5"
    text.write_text("not a trace\n")
    refused(harness, scenarios["phold"], ckpt, text, "not an HDF5 file")
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = [1, 2, 3]
    refused(harness, scenarios["phold"], ckpt, foreign, "'schema_version'", "not a p2pgrid trace")
    # A file that lost rows after the checkpoint (here: one cut back to 0).
    cut = tmp_path / "cut.h5"
    shutil.copy(tmp_path / "run.h5", cut)
    with h5py.File(cut, "a") as f:
        f["faults"].resize((0,))
    refused(harness, scenarios["phold"], ckpt, cut, "table 'faults'", "fewer than")
    # A checkpoint taken without a trace cannot continue one.
    bare = tmp_path / "bare.ckpt"
    r = launch(harness, 1, "run", scenarios["phold"], "--checkpoint-at", "9s", "--checkpoint", bare)
    assert r.returncode == STOPPED, r.stderr
    refused(harness, scenarios["phold"], bare, tmp_path / "run.h5", "'trace_id'", "without a trace")
    assert os.path.exists(tmp_path / "run.h5")
