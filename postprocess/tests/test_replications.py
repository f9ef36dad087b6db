"""Statistics over replications (issue 14): intervals from scipy over run
means, paired ratios to central, pooling by resolved config minus seed,
censoring marked, the load-sweep window, traffic and recovery from real runs.
Each figure is recomputed here independently (plain Python, scipy directly)."""

import math
import os
import statistics

import h5py
import numpy as np
import pytest
from scipy import stats

from conftest import ROOT, run_module
from p2pgrid_post.statistics import mean_interval
from synthetic_jobs import make_job


def test_mean_interval_is_scipy_t_over_the_samples():
    x = [3.0, 5.5, 4.0, 9.0, 6.5]
    mean, low, high = mean_interval(x)
    want = stats.t.interval(0.95, len(x) - 1, loc=statistics.fmean(x), scale=stats.sem(x))
    assert mean == pytest.approx(statistics.fmean(x))
    assert (low, high) == pytest.approx(want)
    # By hand from the printed table (t_0.975,4 = 2.776): half-width 2.776 * s / sqrt(5).
    assert high - mean == pytest.approx(2.776 * statistics.stdev(x) / math.sqrt(5), abs=2e-3)
    one = mean_interval([7.0])
    assert one[0] == 7.0 and math.isnan(one[1]) and math.isnan(one[2])
    assert mean_interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)


@pytest.fixture(scope="module")
def paired(jobs_tool, tmp_path_factory):
    """central and rntree of one scenario, seeds 21, 22, 23: {(mm, seed): path}."""
    d = tmp_path_factory.mktemp("paired")
    out = {}
    for mm in ("central", "rntree"):
        for seed in (21, 22, 23):
            out[(mm, seed)] = str(d / f"{mm}-{seed}.h5")
            jobs_tool.run(1, out[(mm, seed)], "--jobs", 200, "--seed", seed, "--matchmaker", mm, "--scenario", "pair")
    return out


def run_mean(seed, mm):
    rows = [make_job(seed, i, matchmaker=mm) for i in range(200)]
    return statistics.fmean(((r["started"] if r["started"] >= 0 else r["ended"]) - r["submit"]) * 1e-9 for r in rows)


def test_ratios_pair_the_seeds_and_take_t_over_the_per_seed_ratios(paired):
    out = run_module("ratios", *paired.values()).stdout
    line = [s for s in out.splitlines() if s.startswith("| pair | rntree |")]
    assert len(line) == 1, out
    cells = [c.strip() for c in line[0].strip("|").split("|")]
    ratios = [run_mean(s, "rntree") / run_mean(s, "central") for s in (21, 22, 23)]
    low, high = stats.t.interval(0.95, 2, loc=statistics.fmean(ratios), scale=stats.sem(ratios))
    assert cells[2] == "3" and cells[3] == f"{statistics.fmean(ratios):.2f}"
    assert cells[4] == f"[{low:.2f}, {high:.2f}]" and cells[5] == "no"


def test_cells_pool_seeds_of_one_config(paired, tmp_path):
    out = run_module("figure2", *[paired[("rntree", s)] for s in (21, 22, 23)], "--peers", 40,
                     "-o", tmp_path / "f.png").stdout
    row = [line.split() for line in out.splitlines() if line.startswith("pair ")]
    assert len(row) == 1 and row[0][2] == "3", out
    means = [run_mean(s, "rntree") for s in (21, 22, 23)]
    assert float(row[0][7]) == pytest.approx(statistics.fmean(means), abs=1e-6)
    half = stats.t.ppf(0.975, 2) * statistics.stdev(means) / math.sqrt(3)
    assert float(row[0][8]) == pytest.approx(half, abs=1e-6)


# Real runs: configs/grid-small.toml (200 peers, 500 jobs, 30 simulated minutes).

@pytest.fixture(scope="module")
def small(harness, tmp_path_factory):
    config = os.path.join(ROOT, "configs", "grid-small.toml")
    d = tmp_path_factory.mktemp("small")
    runs = {
        # 10 minutes: jobs still open at the end (censored).
        "short": ("--set", "run.duration=10min", "--set", "workload.name=small"),
        # Same label, another config: must not be pooled with "short".
        "other": ("--set", "run.duration=10min", "--set", "workload.name=small", "--set", "workload.constrained=0.8"),
        # Crashes while jobs run, with traffic counted: recovery and overhead.
        "faults": ("--set", "trace.traffic=true", "--set", "grid.run_until=jobs_final", "--set", "run.duration=3h",
                   "--set", "workload.name=faults"),
    }
    out = {}
    for name, extra in runs.items():
        out[name] = str(d / f"{name}.h5")
        args = ["run", config, "--set", "progress.mode=plain", *extra, "-o", out[name]]
        if name == "faults":
            fault_config = d / "faults.toml"
            with open(config, encoding="utf-8") as f:
                text = f.read()
            fault_config.write_text(text + '\n[[faults]]\nat = "8min"\nfraction = 0.2\n')
            args[1] = str(fault_config)
        harness.run(1, *args)
    return out


def test_open_jobs_mark_the_mean_as_a_lower_bound(small, tmp_path):
    out = run_module("figure2", small["short"], "--markdown", "-o", tmp_path / "f.png").stdout
    with h5py.File(small["short"], "r") as f:
        jobs = f["jobs"][()]
    still_open = int((jobs["status"] == 2).sum())
    assert still_open > 0
    row = [line for line in out.splitlines() if line.startswith("| small |")][0]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[6] == str(still_open) and cells[7].startswith("≥ ")
    until = np.where(jobs["started"] >= 0, jobs["started"], jobs["ended"])
    assert float(cells[7][2:]) == pytest.approx(((until - jobs["submit"]) * 1e-9).mean(), abs=0.06)


def test_two_configs_under_one_label_are_an_error(small, tmp_path):
    r = run_module("figure2", small["short"], small["other"], "-o", tmp_path / "f.png", check=False)
    assert r.returncode == 2
    assert "names two different configurations (they differ in workload.constrained)" in r.stderr


def test_a_key_shown_with_by_separates_configs_under_one_label(small):
    # The sensitivity table: one workload.name under several models, told apart by --by columns.
    assert run_module("ratios", small["short"], small["other"], check=False).returncode == 2
    r = run_module("ratios", small["short"], small["other"], "--by", "workload.constrained", check=False)
    assert r.returncode == 0, r.stderr


def test_recovery_time_from_crash_to_running_again(small):
    with h5py.File(small["faults"], "r") as f:
        rec, faults, jobs = f["grid_recoveries"][()], f["faults"][()], f["jobs"][()]
    assert len(rec) > 0 and (jobs["status"] == 2).sum() == 0
    started = dict(zip(jobs["job"].tolist(), jobs["started"].tolist()))
    crash = {}
    for r in faults[faults["action"] == 1]:
        crash.setdefault(int(r["peer"]), []).append(int(r["time"]))
    times = []
    for r in rec:
        before = [t for t in crash.get(int(r["run_node"]), []) if t <= r["detected"]]
        s = started[int(r["job"])]
        if before and s >= r["detected"]:
            times.append((s - max(before)) * 1e-9)
    out = run_module("recovery", small["faults"]).stdout
    row = [c.strip() for c in [line for line in out.splitlines() if line.startswith("| faults |")][0].strip("|")
           .split("|")]
    assert row[2] == "1" and int(row[3]) == len(rec) and int(row[6]) == len(times) and len(times) > 0
    # Every detection is counted in exactly one column.
    assert int(row[4]) + int(row[5]) + int(row[6]) + int(row[12]) == len(rec)
    # One run: its mean, and no interval (it comes from run means, never from the jobs of one run).
    assert float(row[8]) == pytest.approx(statistics.fmean(times), abs=0.06) and row[9] == "-"


def test_recovery_cells_pool_runs_of_one_config_with_an_interval_over_run_means():
    from p2pgrid_post import recovery
    from p2pgrid_post.reader import TraceError

    def run(times, config=(("match.kind", "'can'"),), seed_path="a.h5"):
        t = np.array(times, dtype=float)
        return recovery.RunRecovery("crash", "can", len(t) + 1, 1, 0, 0, t, t / 10, config, seed_path)

    runs = [run([100.0, 300.0]), run([400.0]), run([50.0, 60.0, 70.0]), run([])]
    (cell,) = recovery.cells(runs)
    assert cell.runs == 4 and cell.detections == 10 and cell.false_suspicions == 4
    means = [200.0, 400.0, 60.0]  # the run without a recovered job has no mean
    assert list(cell.run_means) == means and len(cell.times) == 6
    row = [c.strip() for c in recovery.markdown([cell]).splitlines()[2].strip("|").split("|")]
    half = stats.t.ppf(0.975, 2) * statistics.stdev(means) / math.sqrt(3)
    assert float(row[8]) == pytest.approx(statistics.fmean(means), abs=0.05)
    assert float(row[9]) == pytest.approx(half, abs=0.05)
    other = run([10.0], config=(("match.kind", "'can'"), ("workload.constrained", "0.8")), seed_path="b.h5")
    with pytest.raises(TraceError, match="differ in workload.constrained"):
        recovery.cells(runs + [other])


def test_load_sweep_window_means_with_intervals_over_seeds(harness, tmp_path):
    # Two offered loads x two seeds of grid-small (200 peers, 200 s jobs): interarrival 2 s is load 0.5, 1 s is 1.0.
    config = os.path.join(ROOT, "configs", "grid-small.toml")
    traces = {}
    for ia in ("2s", "1s"):
        for seed in (1, 2):
            out = str(tmp_path / f"ia{ia}-s{seed}.h5")
            harness.run(1, "run", config, "--set", "progress.mode=plain", "--set", f"workload.interarrival={ia}",
                        "--set", "workload.jobs=300", "--set", f"run.seed={seed}", "--set", "workload.run_time=200s",
                        "--set", "grid.run_until=jobs_final", "--set", "run.duration=3h", "--set",
                        "workload.name=sweep", "-o", out)
            traces[(ia, seed)] = out
    r = run_module("load", *traces.values(), "--warmup", "0.25", "-o", tmp_path / "load.png")
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")[1:]]
            for line in r.stdout.splitlines() if line.startswith("| 0.") or line.startswith("| 1.")}
    assert set(rows) == {"0.50", "1.00"} and os.path.getsize(tmp_path / "load.png") > 0
    for load, ia in (("0.50", "2s"), ("1.00", "1s")):
        means = []
        for seed in (1, 2):
            with h5py.File(traces[(ia, seed)], "r") as f:
                jobs = f["jobs"][()]
            assert (jobs["status"] == 2).sum() == 0
            cut = jobs["submit"].min() + 0.25 * (jobs["submit"].max() - jobs["submit"].min())
            w = jobs[jobs["submit"] >= cut]
            until = np.where(w["started"] >= 0, w["started"], w["ended"])
            means.append(float(((until - w["submit"]) * 1e-9).mean()))
        low, high = stats.t.interval(0.95, 1, loc=statistics.fmean(means), scale=stats.sem(means))
        assert rows[load][0] == f"{statistics.fmean(means):.1f} [{low:.1f}, {high:.1f}]"


def test_traffic_per_role_and_busiest_peer(small):
    with h5py.File(small["faults"], "r") as f:
        t, engine = f["traffic"][()], f["engine"][()]
    seconds = engine["sim_end"].max() * 1e-9
    out = run_module("traffic", small["faults"]).stdout
    grid = [c.strip() for c in [line for line in out.splitlines() if line.startswith("| faults | central | grid |")][0]
            .strip("|").split("|")]
    rows = t[t["protocol"] == 4]
    assert float(grid[3]) == pytest.approx((rows["sent"].sum() + rows["received"].sum()) / 2 / 200 / seconds,
                                           abs=6e-4)
    per_peer = np.zeros(200)
    np.add.at(per_peer, rows["peer"].astype(int), rows["received"])
    assert grid[5] == f"{per_peer.max() / seconds:.3f} (peer {int(per_peer.argmax())})"
    # Every message a peer received was sent by some peer: totals agree but for losses and dead receivers.
    assert t["received"].sum() <= t["sent"].sum()
