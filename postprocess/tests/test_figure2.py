"""figure2's statistics (wait, matchmaking cost, load balance, intervals)
against figures computed here in plain Python from the independent job
generator (synthetic_jobs.py) or from the raw HDF5 rows of real runs."""

import math
import os
import statistics

import h5py
import matplotlib.image
import pytest

from conftest import ROOT, SYNTHETIC_SEEDS, run_module
from p2pgrid_post.results import spread, t_quantile_975
from synthetic_jobs import make_job

PNG = b"\x89PNG\r\n\x1a\n"
NO_PEER = 0xFFFFFFFF
NODES = 40  # the jobs tool's default --nodes: run_node in 0..39
# Columns of the text table after (scenario, matchmaker).
FIELDS = ("runs", "jobs", "completed", "failed", "open", "wait_mean", "wait_ci95", "wait_median", "wait_p95",
          "binding", "hops_per_job", "messages_per_job", "jobs_cv", "busy_cv", "busy_max_over_mean")


def parse_table(out):
    """{(scenario, matchmaker): {field: float or None}} from figure2's text table."""
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["scenario", "matchmaker"], out
    cells = {}
    for line in lines[1:]:
        if not line.strip():
            break
        parts = line.split()
        assert len(parts) == 2 + len(FIELDS), line
        cells[(parts[0], parts[1])] = {f: None if v == "-" else float(v) for f, v in zip(FIELDS, parts[2:])}
    return cells


def pcv(values):
    """Coefficient of variation (population) and max / mean, plain Python."""
    mean = statistics.fmean(values)
    return statistics.pstdev(values) / mean, max(values) / mean


def wait_of(r):
    """Every job's wait: until it started, or until it ended (failed or open)."""
    return ((r["started"] if r["started"] >= 0 else r["ended"]) - r["submit"]) * 1e-9


def expected_cell(runs, peers, nodes=None):
    """The figures of one cell from rows (dicts) of each run, independently of p2pgrid_post.
    Waits of every job; the interval is t over the run means (scipy), none for one run.
    ``nodes``: per run, (min cpu, min memory, min disk) over its nodes, for binding/job."""
    t = pytest.importorskip("scipy.stats").t
    waits = [wait_of(r) for rows in runs for r in rows]
    jobs = sum(len(rows) for rows in runs)
    means = [statistics.fmean(wait_of(r) for r in rows) for rows in runs]
    ci = None
    if len(runs) > 1:
        ci = t.ppf(0.975, len(means) - 1) * statistics.stdev(means) / math.sqrt(len(means))
    binding = None
    if nodes is not None:
        binding = statistics.fmean(
            sum((r["min_cpu"] > m[0]) + (r["min_memory"] > m[1]) + (r["min_disk"] > m[2]) for r in rows) / len(rows)
            for rows, m in zip(runs, nodes))
    balance = []
    for rows in runs:
        count, busy = [0] * peers, [0.0] * peers
        for r in rows:
            if r["status"] == 0 and r["run_node"] != NO_PEER:
                count[r["run_node"]] += 1
                busy[r["run_node"]] += r["run_time"] * 1e-9
        balance.append((pcv(count)[0], *pcv(busy)))
    return {
        "runs": len(runs), "jobs": jobs, "completed": sum(r["status"] == 0 for rows in runs for r in rows),
        "failed": sum(r["status"] == 1 for rows in runs for r in rows),
        "open": sum(r["status"] == 2 for rows in runs for r in rows),
        "wait_mean": statistics.fmean(means), "wait_ci95": ci, "wait_median": statistics.median(waits),
        # numpy's default percentile is the "inclusive" (linear interpolation) method.
        "wait_p95": statistics.quantiles(waits, n=20, method="inclusive")[18], "binding": binding,
        "hops_per_job": sum(r["match_hops"] for rows in runs for r in rows) / jobs,
        "messages_per_job": sum(r["match_messages"] for rows in runs for r in rows) / jobs,
        "jobs_cv": statistics.fmean(b[0] for b in balance), "busy_cv": statistics.fmean(b[1] for b in balance),
        "busy_max_over_mean": statistics.fmean(b[2] for b in balance),
    }


def assert_cell(got, want, fields=FIELDS):
    for f in fields:
        if want[f] is None:
            assert got[f] is None, f"{f}: {got[f]} != -"
            continue
        # The text table prints 6 decimals: within 5e-7 of the exact figure.
        assert got[f] == pytest.approx(want[f], abs=1e-6), f"{f}: {got[f]} != {want[f]}"


def synthetic_rows(mm, scen, jobs=500):
    return [make_job(SYNTHETIC_SEEDS[(mm, scen)], i, matchmaker=mm) for i in range(jobs)]


def test_t_quantile_matches_the_printed_table():
    # Two-sided 95% points of Student's t, as printed in statistics tables.
    for df, value in ((1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (9, 2.262), (19, 2.093), (30, 2.042),
                      (60, 2.000), (120, 1.980)):
        assert t_quantile_975(df) == pytest.approx(value, abs=5e-4)
    assert t_quantile_975(100_000) == pytest.approx(1.95996, abs=1e-4)
    with pytest.raises(ValueError):
        t_quantile_975(0)


def test_spread_of_idle_nodes_and_of_equal_load():
    assert spread([3.0, 3.0, 3.0]) == (0.0, 1.0)
    cv, peak = spread([0, 0, 0, 8])  # one busy node of four: std = sqrt(12), mean 2
    assert cv == pytest.approx(math.sqrt(12) / 2) and peak == 4.0
    assert all(math.isnan(v) for v in spread([0, 0]))


def test_table_equals_the_independent_figures(job_traces, tmp_path):
    png = tmp_path / "fig2.png"
    keys = list(SYNTHETIC_SEEDS)
    out = run_module("figure2", *[job_traces[k] for k in keys], "--peers", NODES, "-o", png).stdout
    cells = parse_table(out)
    assert sorted(cells) == sorted((scen, mm) for mm, scen in keys)
    for mm, scen in keys:
        assert_cell(cells[(scen, mm)], expected_cell([synthetic_rows(mm, scen)], NODES))
    # Rows by scenario, then in the design's matchmaker order (central, rntree, can).
    assert list(cells) == [("heavy", "rntree"), ("heavy", "can"), ("light", "central"), ("light", "rntree"),
                           ("light", "can")]


def test_idle_peers_count_as_zero(job_traces, tmp_path):
    path = job_traces[("can", "heavy")]
    wide = parse_table(run_module("figure2", path, "--peers", 64, "-o", tmp_path / "f.png").stdout)[("heavy", "can")]
    narrow = parse_table(run_module("figure2", path, "--peers", NODES, "-o", tmp_path / "f.png").stdout)
    want = expected_cell([synthetic_rows("can", "heavy")], 64)
    assert_cell(wide, want)
    # 24 idle peers more: the same work over more peers is spread less evenly.
    assert wide["busy_cv"] > narrow[("heavy", "can")]["busy_cv"]
    assert wide["busy_max_over_mean"] == pytest.approx(narrow[("heavy", "can")]["busy_max_over_mean"] * 64 / NODES,
                                                       abs=1e-5)


def test_run_node_outside_the_peers_is_an_error(job_traces, tmp_path):
    path = job_traces[("rntree", "light")]
    top = max(r["run_node"] for r in synthetic_rows("rntree", "light") if r["run_node"] != NO_PEER)
    r = run_module("figure2", path, "--peers", top, "-o", tmp_path / "f.png", check=False)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"p2pgrid_post: error: {path}: jobs.run_node {top} is not a peer of a run with "
                                f"peers.count = {top}")
    r = run_module("figure2", path, "--peers", 0, "-o", tmp_path / "f.png", check=False)
    assert r.returncode == 2 and "--peers: expected a positive integer, got '0'" in r.stderr


def test_without_a_peer_count_load_balance_is_left_out(job_traces, tmp_path):
    path = job_traces[("central", "light")]
    r = run_module("figure2", path, "-o", tmp_path / "f.png")
    cell = parse_table(r.stdout)[("light", "central")]
    assert cell["jobs_cv"] is None and cell["busy_cv"] is None and cell["busy_max_over_mean"] is None
    assert_cell(cell, expected_cell([synthetic_rows("central", "light")], NODES), FIELDS[:9])
    assert f"{path}: no peers.count in the stored config; load balance left out (pass --peers N)" in r.stderr


@pytest.fixture(scope="module")
def replications(jobs_tool, tmp_path_factory):
    """The same cell (rntree, rep) with seeds 11 and 12: {seed: path}."""
    d = tmp_path_factory.mktemp("reps")
    out = {}
    for seed in (11, 12):
        out[seed] = str(d / f"rep{seed}.h5")
        jobs_tool.run(1, out[seed], "--jobs", 300, "--seed", seed, "--matchmaker", "rntree", "--scenario", "rep")
    return out


def test_replications_pool_jobs_and_take_the_interval_over_run_means(replications, tmp_path):
    r = run_module("figure2", replications[11], replications[12], "--peers", NODES, "-o", tmp_path / "f.png")
    assert "warning" not in r.stderr
    runs = [[make_job(seed, i, matchmaker="rntree") for i in range(300)] for seed in (11, 12)]
    assert_cell(parse_table(r.stdout)[("rep", "rntree")], expected_cell(runs, NODES))


def test_the_same_seed_twice_is_flagged(replications, tmp_path):
    r = run_module("figure2", replications[11], replications[11], "--peers", NODES, "-o", tmp_path / "f.png")
    assert (f"{replications[11]} and {replications[11]}: the same scenario, matchmaker and seed 11, pooled as if "
            f"independent replications") in r.stderr
    cell = parse_table(r.stdout)[("rep", "rntree")]
    assert cell["runs"] == 2 and cell["jobs"] == 600 and cell["wait_ci95"] == 0.0


def test_markdown_table(job_traces, tmp_path):
    keys = [("rntree", "light"), ("can", "light")]
    out = run_module("figure2", *[job_traces[k] for k in keys], "--peers", NODES, "--markdown",
                     "-o", tmp_path / "f.png").stdout
    lines = out.splitlines()
    assert lines[0].startswith("| scenario | matchmaker | runs | jobs | completed | failed | open | mean wait s |")
    assert lines[1] == "|:---|:---|" + "---:|" * len(FIELDS)
    assert "figure:" not in out
    for line, (mm, scen) in zip(lines[2:4], [("rntree", "light"), ("can", "light")]):
        w = expected_cell([synthetic_rows(mm, scen)], NODES)
        assert line == (f"| {scen} | {mm} | 1 | {w['jobs']} | {w['completed']} | {w['failed']} | {w['open']} | "
                        f"{w['wait_mean']:.1f} | - | {w['wait_median']:.1f} | {w['wait_p95']:.1f} | - | "
                        f"{w['hops_per_job']:.2f} | {w['messages_per_job']:.2f} | {w['jobs_cv']:.3f} | "
                        f"{w['busy_cv']:.3f} | {w['busy_max_over_mean']:.2f} |")
    assert lines[4] == "" and lines[5].startswith("wait: of every submitted job")


def test_png_is_written(job_traces, tmp_path):
    png = tmp_path / "figure2.png"
    out = run_module("figure2", *[job_traces[k] for k in SYNTHETIC_SEEDS], "--peers", NODES, "-o", png).stdout
    assert out.rstrip().endswith(f"figure: {png}")
    assert png.read_bytes()[:8] == PNG
    height, width = matplotlib.image.imread(png).shape[:2]
    assert width >= 1000 and height > width  # four rows of panels


# Real runs of the harness: configs/grid-small.toml (200 peers, 500 jobs).

@pytest.fixture(scope="module")
def grid_traces(harness, tmp_path_factory):
    """{(matchmaker, seed, ranks): path}"""
    config = os.path.join(ROOT, "configs", "grid-small.toml")
    d = tmp_path_factory.mktemp("grid")
    out = {}
    for mm, seed, ranks in (("central", 3, 1), ("central", 3, 2), ("rntree", 3, 1), ("rntree", 4, 1)):
        out[(mm, seed, ranks)] = str(d / f"{mm}-s{seed}-np{ranks}.h5")
        harness.run(ranks, "run", config, "--set", f"match.kind={mm}", "--set", f"run.seed={seed}",
                    "--set", "workload.name=small", "--set", "progress.mode=plain", "-o", out[(mm, seed, ranks)])
    return out


def raw_rows(path):
    """Jobs rows as dicts straight from h5py, peers.count from the root attribute, and
    the weakest node's (cpu, memory, disk) from the nodes table."""
    with h5py.File(path, "r") as f:
        jobs = f["jobs"][()]
        peers = int(f.attrs["peers"])
        nodes = f["nodes"][()]
    weakest = tuple(int(nodes[r].min()) for r in ("cpu", "memory", "disk"))
    return [{c: r[c].item() for c in jobs.dtype.names} for r in jobs], peers, weakest


def test_real_runs_read_the_peer_count_from_the_trace(grid_traces, tmp_path):
    paths = [grid_traces[("central", 3, 1)], grid_traces[("rntree", 3, 1)], grid_traces[("rntree", 4, 1)]]
    # --peers only fills in for traces without peers.count: these have it (200).
    out = run_module("figure2", *paths, "--peers", 5, "-o", tmp_path / "f.png").stdout
    cells = parse_table(out)
    (central, peers, w3), (rn3, _, _), (rn4, _, w4) = (raw_rows(p) for p in paths)
    assert peers == 200
    assert sorted(cells) == [("small", "central"), ("small", "rntree")]
    assert_cell(cells[("small", "central")], expected_cell([central], peers, [w3]))
    assert_cell(cells[("small", "rntree")], expected_cell([rn3, rn4], peers, [w3, w4]))


def test_the_table_does_not_depend_on_the_rank_count(grid_traces, tmp_path):
    one = run_module("figure2", grid_traces[("central", 3, 1)], "-o", tmp_path / "f.png").stdout
    two = run_module("figure2", grid_traces[("central", 3, 2)], "-o", tmp_path / "f.png").stdout
    assert one == two


def test_error_bars_stop_at_zero_and_scenario_codes_are_spelled_out():
    from p2pgrid_post.plots import scenario_label
    from p2pgrid_post.statistics import interval_below

    assert interval_below(2.0, 5.0) == 2.0  # the bar ends at 0 s, not -3 s
    assert interval_below(10.0, 5.0) == 5.0
    assert interval_below(1.0, math.nan) == 0.0
    assert scenario_label("cm-heavy") == "clustered nodes\nmixed jobs\nheavy"
    assert scenario_label("light") == "light"
