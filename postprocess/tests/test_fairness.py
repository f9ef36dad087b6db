"""Users and workflows (p2pgrid_post.fairness): Jain's index, per-user
figures and the critical-path bound against values worked out by hand, then
real harness runs: the WfCommons sample (tests/data/montage-small.json) and a
small sweep-vs-light scenario under FIFO and fair queues, read back through
``p2pgrid-post fairness`` and ``workflows``."""

import math
import os

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, run_module
from p2pgrid_post import load
from p2pgrid_post.fairness import UserFigures, fairness_table, heavy_share, heavy_share_first_hour, jain, per_user, user_figures, workflows

PNG = b"\x89PNG\r\n\x1a\n"


def test_jain_index():
    assert jain([1, 1, 1, 1]) == pytest.approx(1.0)
    assert jain([1, 0, 0, 0]) == pytest.approx(0.25)
    assert jain([1, 2, 3]) == pytest.approx(36 / (3 * 14))
    assert math.isnan(jain([]))


def _jobs(rows):
    frame = pd.DataFrame(rows, columns=["job", "user", "status", "submit", "started", "finished", "run_time"])
    frame["status"] = pd.Categorical(frame.status, categories=["completed", "failed", "open_at_end"])
    return frame


def test_per_user_wait_and_slowdown():
    jobs = _jobs([
        (1, 0, "completed", 0.0, 10.0, 30.0, 20.0),    # wait 10, slowdown 1.5
        (2, 0, "completed", 0.0, 30.0, 50.0, 20.0),    # wait 30, slowdown 2.5
        (3, 1, "completed", 5.0, 5.0, 15.0, 10.0),     # wait 0, slowdown 1
        (4, 1, "failed", 5.0, np.nan, np.nan, 10.0),   # not in the means
    ])
    table = per_user(jobs)
    assert table.loc[0, "jobs"] == 2 and table.loc[1, "jobs"] == 2
    assert table.loc[1, "completed"] == 1
    assert table.loc[0, "wait"] == pytest.approx(20.0)
    assert table.loc[0, "slowdown"] == pytest.approx(2.0)
    assert table.loc[1, "slowdown"] == pytest.approx(1.0)


def test_heavy_share_counts_contended_starts_only():
    # Node 1: heavy jobs 1 and 2 waiting (matched at 0); light job 3 arrives
    # at 5 while 1 runs. At 10 the queue chooses between 2 and 3 (contended)
    # and starts 3; at 40 job 2 starts with no light job waiting (not
    # contended). Job 1 started at 0 with nothing else waiting there. Node 2:
    # a heavy job 4 starts at 12 while light job 5 waits (contended), then 5.
    jobs = pd.DataFrame(
        [(1, 0, "completed", 1, 0.0, 0.0, 0.0, 10.0, 10.0),
         (2, 0, "completed", 1, 0.0, 0.0, 40.0, 50.0, 10.0),
         (3, 1, "completed", 1, 5.0, 5.0, 10.0, 40.0, 30.0),
         (4, 0, "completed", 2, 11.0, 11.0, 12.0, 32.0, 20.0),
         (5, 1, "completed", 2, 11.5, 11.5, 32.0, 37.0, 5.0),
         (6, 1, "failed", -1, 7.0, np.nan, np.nan, np.nan, 99.0)],
        columns=["job", "user", "status", "run_node", "submit", "matched", "started", "finished", "run_time"])
    jobs["status"] = pd.Categorical(jobs.status, categories=["completed", "failed", "open_at_end"])
    # Job 1 at 0: job 3 not matched yet -> not contended. Job 3 at 10: job 2
    # waits -> contended (light, 30). Job 2 at 40: nothing light waits. Job 4
    # at 12: job 5 waits -> contended (heavy, 20). Job 5 at 32: none waits.
    assert heavy_share(jobs, 1) == pytest.approx(20 / 50)
    assert math.isnan(heavy_share(jobs, 0))
    # Both classes first submitted at 0 (heavy) and 5 (light): starts in
    # [5, 3605) are jobs 3 (light, 30), 4 (heavy, 20), 5 (light, 5), 2 (heavy, 10).
    assert heavy_share_first_hour(jobs, 1) == pytest.approx(30 / 65)


def test_cells_take_the_mean_and_range_over_seeds():
    def fig(seed, light, share):
        return UserFigures(path=f"{seed}.h5", matchmaker="central", queue="fair", weights="4:1", seed=str(seed),
                           users=2, light_users=1, jobs=10, completed=10, light_slowdown=light, heavy_slowdown=1.0,
                           light_wait=0.0, heavy_wait=0.0, jain=1.0, throughput_per_h=100.0, makespan=10.0,
                           heavy_share=share, heavy_share_1h=0.5)
    table = fairness_table([fig(1, 2.0, 0.7), fig(2, 4.0, float("nan")), fig(3, 3.0, 0.9)], markdown=True, cells=True)
    lines = table.splitlines()
    assert len(lines) == 3
    assert lines[2].startswith("| central | fair | 4:1 | 3 | 30/30 | 3.00 (2.00-4.00) |")
    assert lines[2].endswith("| 0.800 (0.700-0.900) | 0.500 (0.500-0.500) |"), "a nan (no contended start) is left out"


class _Run(dict):
    def __init__(self, tables, config=None):
        super().__init__(tables)
        self.path = "fake.h5"
        self.config = config or {}


def test_critical_path_of_a_diamond_and_a_chain():
    # Diamond 1 -> {2, 3} -> 4 with run times 10, 50, 20, 5: bound 65.
    # Chain 7 -> 8: 30 + 30 = 60, one job never finished (no makespan).
    jobs = _jobs([
        (1, 0, "completed", 0.0, 1.0, 11.0, 10.0), (2, 0, "completed", 11.0, 12.0, 62.0, 50.0),
        (3, 0, "completed", 11.0, 12.0, 32.0, 20.0), (4, 0, "completed", 62.0, 63.0, 70.0, 5.0),
        (7, 1, "completed", 0.0, 0.0, 30.0, 30.0), (8, 1, "open_at_end", 30.0, np.nan, np.nan, 30.0),
    ])
    edges = pd.DataFrame({"job": [2, 3, 4, 4, 8], "parent": [1, 1, 2, 3, 7]})
    frame = workflows(_Run({"jobs": jobs, "dependencies": edges})).set_index("first_job")
    assert frame.loc[1, "jobs"] == 4 and frame.loc[1, "critical_path"] == pytest.approx(65.0)
    assert frame.loc[1, "makespan"] == pytest.approx(70.0)
    assert frame.loc[1, "ratio"] == pytest.approx(70.0 / 65.0)
    assert frame.loc[7, "critical_path"] == pytest.approx(60.0)
    assert not frame.loc[7, "completed"] and math.isnan(frame.loc[7, "makespan"])


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_wfcommons_sample_runs_parents_first(harness, tmp_path):
    config = _write(tmp_path, "wf.toml", f"""
[run]
protocol = "grid"
duration = "40min"
[peers]
count = 60
[chord]
bootstrap = "oracle"
[workload]
source = "wfcommons"
wf_file = "{ROOT}/tests/data/montage-small.json"
wf_copies = 3
wf_interval = "2min"
clients = 2
""")
    out = str(tmp_path / "wf.h5")
    harness.run(2, "run", config, "-o", out)
    run = load(out)
    jobs, edges = run["jobs"], run["dependencies"]
    assert len(jobs) == 18 and (jobs.status == "completed").all()
    assert len(edges) == 3 * 7  # the sample has 7 edges
    assert sorted(jobs.user.unique().tolist()) == [0, 1, 2]
    by_job = jobs.set_index("job")
    for child, parent in zip(edges.job, edges.parent):
        assert by_job.started[child] >= by_job.finished[parent]
    frame = workflows(run)
    assert len(frame) == 3 and frame.completed.all()
    # ID1 -> ID3 -> ID4 -> ID5 -> ID6: 60.5 + 30 + 10 + 45 + 120 s.
    assert np.allclose(frame.critical_path, 265.5)
    assert (frame.ratio >= 1.0).all()
    r = run_module("workflows", out, "-o", str(tmp_path / "wf.png"))
    assert "workflows 3, completed 3" in r.stdout
    assert (tmp_path / "wf.png").read_bytes().startswith(PNG)


def test_fairness_command_on_fifo_and_fair_runs(harness, tmp_path):
    base = """
[run]
protocol = "grid"
duration = "2h"
[peers]
count = 40
[chord]
bootstrap = "oracle"
[workload]
users = "sweeps"
clients = 6
heavy_users = 1
heavy_jobs = 200
light_users = 5
light_jobs = 4
light_window = "20min"
run_time = "5min"
constrained = 0
"""
    traces = []
    for queue in ("fifo", "fair"):
        config = _write(tmp_path, f"{queue}.toml", base + f'[grid]\nqueue = "{queue}"\n')
        traces.append(str(tmp_path / f"{queue}.h5"))
        harness.run(1, "run", config, "-o", traces[-1])
    figures = [user_figures(load(t)) for t in traces]
    for f in figures:
        assert f.users == 6 and f.light_users == 5 and f.jobs == 220
        assert 0 < f.jain <= 1
    # Recomputed here: the light users' mean slowdown over their completed jobs.
    for t, f in zip(traces, figures):
        jobs = load(t)["jobs"]
        light = jobs[(jobs.user >= 1) & (jobs.status == "completed")]
        assert f.light_slowdown == pytest.approx(((light.finished - light.submit) / light.run_time).mean())
    r = run_module("fairness", *traces, "-o", str(tmp_path / "f.png"), "--markdown")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("| matchmaker | queue | weights |") and len(lines) == 4
    assert "| central | fifo | 1:1 |" in lines[2] and "| central | fair | 1:1 |" in lines[3]
    assert (tmp_path / "f.png").read_bytes().startswith(PNG)


def test_fairness_refuses_a_trace_without_users(tmp_path):
    r = run_module("fairness", str(tmp_path / "missing.h5"), check=False)
    assert r.returncode == 2 and "missing.h5" in r.stderr


def test_a_failed_parent_fails_its_descendants_unsubmitted(harness, tmp_path):
    # The sample with mDiffFit (ID000003) asking for 64 GiB, more than any node
    # has: it fails as unmatchable, so mConcatFit, mBackground and mAdd (its
    # descendants) are never submitted; both mProjectPP jobs complete.
    text = open(os.path.join(ROOT, "tests", "data", "montage-small.json")).read()
    text = text.replace('{"id": "ID000003", "runtimeInSeconds": 30.0}',
                        '{"id": "ID000003", "runtimeInSeconds": 30.0, "memoryInBytes": 68719476736}')
    instance = _write(tmp_path, "big.json", text)
    config = _write(tmp_path, "wf.toml", f"""
[run]
protocol = "grid"
duration = "40min"
[peers]
count = 40
[chord]
bootstrap = "oracle"
[match]
deadline = "5min"
[workload]
source = "wfcommons"
wf_file = "{instance}"
clients = 1
""")
    out = str(tmp_path / "wf.h5")
    harness.run(1, "run", config, "-o", out)
    run = load(out)
    jobs = run["jobs"].sort_values("job").reset_index(drop=True)
    assert jobs.status.tolist() == ["completed", "completed", "failed", "failed", "failed", "failed"]
    assert jobs.reason.tolist() == ["none", "none", "unmatchable", "parent_failed", "parent_failed", "parent_failed"]
    assert jobs.started[2:].isna().all()
    submitted = set(run["submissions"].job.tolist())
    assert submitted == set(jobs.job[:3].tolist()), "descendants of a failed job are never submitted"
    assert jobs.parents.tolist() == [0, 0, 2, 1, 2, 2]
