"""What a researcher reads from a grid trace without project knowledge:
units that match the generator's, node capabilities and load, enum names,
sentinels, str attributes, provenance, and load() into pandas."""

import hashlib
import os
import re
import shutil
import subprocess

import h5py
import numpy as np
import pytest

from conftest import ROOT
import p2pgrid_post
from p2pgrid_post import open_trace

NO_PEER = 0xFFFFFFFF


@pytest.fixture(scope="session")
def grid_trace(harness, tmp_path_factory):
    """configs/grid-small.toml on 2 ranks: 500 jobs, 40% constrained, central matchmaker."""
    out = tmp_path_factory.mktemp("grid") / "grid.h5"
    harness.run(2, "run", os.path.join(ROOT, "configs", "grid-small.toml"), "-o", out)
    return str(out)


@pytest.fixture(scope="session")
def swf_trace(harness, tmp_path_factory):
    """configs/swf-example.toml (two input files) run from another directory with a relative
    config path, as under a Slurm array task (its ids in the environment)."""
    d = tmp_path_factory.mktemp("swf")
    shutil.copytree(os.path.join(ROOT, "configs"), d / "configs")
    out = d / "swf.h5"
    env = dict(harness.env, SLURM_JOB_ID="1234", SLURM_ARRAY_JOB_ID="1230", SLURM_ARRAY_TASK_ID="4")
    argv = harness.argv(1, "run", "configs/swf-example.toml", "--set", "network.loss=0.4", "-o", out)
    r = subprocess.run(argv, cwd=d, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    return str(out), d


def test_resource_units_match_the_generator(grid_trace):
    with open_trace(grid_trace) as t:
        jobs_units = dict(zip(t.table_info("jobs")["columns"], t.table_info("jobs")["units"]))
        nodes_units = dict(zip(t.table_info("nodes")["columns"], t.table_info("nodes")["units"]))
        assert (jobs_units["min_cpu"], jobs_units["min_memory"], jobs_units["min_disk"]) == ("MHz", "MiB", "GiB")
        assert (nodes_units["cpu"], nodes_units["memory"], nodes_units["disk"]) == ("MHz", "MiB", "GiB")
        nodes, jobs = t.table("nodes"), t.table("jobs")
        # The generator draws capabilities from these ranges, declared in the same units.
        for column, key in (("cpu", "can.cpu_mhz"), ("memory", "can.memory_mib"), ("disk", "can.disk_gib")):
            lo, hi = t.setting(key)
            assert nodes[column].min() >= lo and nodes[column].max() <= hi, column
        assert jobs["min_cpu"].max() > 100  # MHz, not GHz
        assert jobs["min_memory"].max() > 100  # MiB, not GiB


def test_nodes_carry_capabilities_and_load(grid_trace):
    with open_trace(grid_trace) as t:
        nodes, jobs = t.table("nodes"), t.table("jobs")
        assert t.setting("grid.scale_by_cpu") is False
    by_peer = {int(n["peer"]): n for n in nodes}
    done = jobs[jobs["status"] == 0]
    assert len(done) > 0
    constrained = 0
    for j in done:
        node = by_peer[int(j["run_node"])]
        assert node["cpu"] >= j["min_cpu"] and node["memory"] >= j["min_memory"] and node["disk"] >= j["min_disk"]
        constrained += int(j["min_cpu"] > 0 or j["min_memory"] > 0 or j["min_disk"] > 0)
    assert constrained > 0
    assert int(nodes["jobs_run"].sum()) == len(done)
    busy = {}
    for j in done:
        busy[int(j["run_node"])] = busy.get(int(j["run_node"]), 0) + int(j["run_time"])
    assert {int(n["peer"]): int(n["busy"]) for n in nodes if n["jobs_run"]} == busy


def test_enums_sentinels_and_str_attributes(grid_trace):
    with h5py.File(grid_trace, "r") as f:
        jobs = f["jobs"]
        assert h5py.check_enum_dtype(jobs.dtype.fields["status"][0]) == {"completed": 0, "failed": 1,
                                                                          "open_at_end": 2}
        assert h5py.check_enum_dtype(jobs.dtype.fields["reason"][0])["unmatchable"] == 1
        assert h5py.check_enum_dtype(f["faults"].dtype.fields["action"][0]) == {"start": 0, "crash": 1,
                                                                                "restart": 2, "leave": 3}
        missing = dict(zip(jobs.attrs["columns"], jobs.attrs["missing"]))
        assert missing["run_node"] == "4294967295" and missing["started"] == "-1" and missing["submit"] == ""
        assert isinstance(f.attrs["config"], str) and isinstance(f.attrs["protocol"], str)
        assert all(isinstance(c, str) for c in jobs.attrs["columns"])


def test_load_gives_pandas_with_seconds_categories_and_attributes(grid_trace):
    import pandas as pd

    run = p2pgrid_post.load(grid_trace)
    jobs = run["jobs"]
    assert isinstance(jobs, pd.DataFrame) and len(jobs) == 500
    assert list(jobs["status"].cat.categories) == ["completed", "failed", "open_at_end"]
    with open_trace(grid_trace) as t:
        raw = t.table("jobs")
    started = raw["started"] >= 0
    assert np.allclose(jobs["started"][started], raw["started"][started] * 1e-9)
    assert jobs["started"][~started].isna().all()
    assert jobs["run_node"].dtype == "UInt32" and jobs["run_node"][raw["run_node"] == NO_PEER].isna().all()
    assert jobs.attrs["units"]["submit"] == "s" and jobs.attrs["units"]["min_cpu"] == "MHz"
    assert jobs.attrs["protocol"] == "grid" and jobs.attrs["ranks"] == 2
    assert run.attrs["seed"] == 3 and run.config["peers"]["count"] == 200
    assert (run.nodes["busy"] >= 0).all()


def test_provenance(swf_trace):
    path, d = swf_trace
    with open_trace(path) as t:
        a, config = t.attrs, t.config
    assert a["command_line"].endswith("run configs/swf-example.toml --set network.loss=0.4 -o " + path)
    origin = str(d / "configs" / "swf-example.toml")
    assert a["config_origin"] == origin
    swf = str(d / "configs" / "traces" / "example.swf")
    availability = str(d / "configs" / "traces" / "example-availability.tab")
    assert config["workload"]["swf_file"] == swf and config["availability"]["file"] == availability
    lines = a["input_files"].splitlines()
    expected = [f"{hashlib.sha256(open(p, 'rb').read()).hexdigest()}  {p}" for p in (origin, swf, availability)]
    assert sorted(lines) == sorted(expected)
    assert "loss = 0.4\n" in a["config"]  # not 0.40000000000000002
    assert re.fullmatch(r"\S+", a["git_describe"])
    assert a["mpi_version"].startswith("Open MPI v") and a["hdf5_version"].startswith("1.")
    assert re.fullmatch(r"\d+_\d+(_\d+)?", a["boost_version"]) and a["compiler"]
    assert (a["slurm_job_id"], a["slurm_array_job_id"], a["slurm_array_task_id"]) == ("1234", "1230", "4")
    assert a["start_time"] <= a["end_time"]


def test_stored_config_reruns_from_another_directory(swf_trace, harness, tmp_path):
    path, _ = swf_trace
    with open_trace(path) as t:
        stored = t.attrs["config"]
    cfg = tmp_path / "again.toml"
    cfg.write_text(stored)
    r = subprocess.run([harness.binary, "validate", str(cfg)], cwd="/", env=harness.env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr


def test_progress_under_mpiexec_redirected_to_a_file_has_no_escape_codes(harness, tmp_path):
    cfg = os.path.join(ROOT, "configs", "grid-small.toml")
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(out, "w") as o, open(err, "w") as e:
        r = subprocess.run(harness.argv(2, "run", cfg, "--set", "progress.interval=10ms"), env=harness.env,
                           stdout=o, stderr=e, timeout=240)
    assert r.returncode == 0
    text, summary = err.read_text(), out.read_text()
    for name, content in (("stdout", summary), ("stderr", text)):  # Open MPI gives ranks a pty
        assert "\x1b" not in content and "\r" not in content, f"escape codes in {name}: {content[:200]!r}"
    lines = [line for line in text.splitlines() if line.startswith("progress: ")]
    assert lines and re.fullmatch(r"progress: elapsed \d+\.\d s  sim 1800\.0/1800\.0 s \(100%\)  .* ETA 0 s",
                                  lines[-1]), text
    assert "progress" not in summary and "summary: protocol grid" in summary


def test_compare_exits_non_zero_on_a_difference(harness, phold_config, phold_traces, tmp_path):
    from conftest import run_module

    other = tmp_path / "seed8.h5"
    harness.run(1, "run", phold_config, "--set", "run.seed=8", "-o", other)
    same = run_module("compare", phold_traces[1], phold_traces[4], check=False)
    assert same.returncode == 0, same.stdout + same.stderr
    diff = run_module("compare", phold_traces[1], other, check=False)
    assert diff.returncode == 1 and re.search(r"^canonical phold\s+DIFFERENT$", diff.stdout, re.M)
