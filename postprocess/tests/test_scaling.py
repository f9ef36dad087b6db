"""The scaling table and plot: medians and speedups against plain Python on
hand-made rows, bad CSV rejected with file, line and column, and the real
`p2pgrid bench --csv` rows of one scenario on 1 and 2 ranks."""

import statistics

import pytest

from conftest import run_module
from p2pgrid_post.scaling import COLUMNS

PNG = b"\x89PNG\r\n\x1a\n"


def write_rows(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(str(r[c]) for c in COLUMNS) + "\n")


def row(scenario, protocol, peers, ranks, events, wall, rss):
    return {"scenario": scenario, "protocol": protocol, "peers": peers, "ranks": ranks, "sim_seconds": 60.0,
            "events": events, "wall_seconds": wall, "events_per_second_per_rank": events / wall / ranks,
            "peak_rss_bytes_per_rank": rss, "bytes_per_peer": rss * ranks / peers,
            "windows_per_sim_second": 100.0, "remote_message_share": 0.0 if ranks == 1 else 0.25}


def table(out):
    """{(scenario, ranks): [cells]} from the Markdown table."""
    cells = {}
    for line in out.splitlines():
        if line.startswith("| ") and not line.startswith("| scenario"):
            parts = [p.strip() for p in line.strip("|").split("|")]
            cells[(parts[0], int(parts[3]))] = parts
    return cells


def test_medians_and_speedups_match_plain_python(tmp_path):
    walls_1 = [10.0, 12.0, 50.0]  # one outlier: the median ignores it
    walls_2 = [6.0, 5.0, 7.0]
    rows = [row("grid-10k", "grid", 10_000, 1, 1_000_000, w, 50 << 20) for w in walls_1]
    rows += [row("grid-10k", "grid", 10_000, 2, 1_000_000, w, 30 << 20) for w in walls_2]
    rows += [row("chord-1m", "chord", 1_000_000, 1, 9_000_000, 90.0, 1400 << 20)]
    write_rows(tmp_path / "a.csv", rows)
    png = tmp_path / "scaling.png"
    r = run_module("scaling", tmp_path / "a.csv", "-o", png)
    cells = table(r.stdout)
    assert set(cells) == {("grid-10k", 1), ("grid-10k", 2), ("chord-1m", 1)}
    one, two = statistics.median(walls_1), statistics.median(walls_2)
    assert float(cells[("grid-10k", 1)][6]) == pytest.approx(one, abs=0.05)
    assert float(cells[("grid-10k", 2)][6]) == pytest.approx(two, abs=0.05)
    assert cells[("grid-10k", 2)][10] == f"{one / two:.2f}x"
    assert cells[("grid-10k", 1)][10] == "1.00x"
    assert cells[("grid-10k", 2)][7] == f"{1_000_000 / two / 2 / 1e6:.2f} M"
    assert cells[("grid-10k", 2)][8] == f"{(30 << 20) * 2 / 10_000:,.0f}"
    assert cells[("chord-1m", 1)][4] == "1"
    assert png.read_bytes()[:8] == PNG


def test_runs_of_different_scenarios_under_one_name_are_refused(tmp_path):
    write_rows(tmp_path / "a.csv", [row("x", "grid", 100, 1, 500, 1.0, 1 << 20),
                                    row("x", "grid", 100, 1, 501, 1.0, 1 << 20)])
    r = run_module("scaling", tmp_path / "a.csv", "-o", tmp_path / "s.png", check=False)
    assert r.returncode == 2
    assert "scenario x on 1 rank(s): event counts differ between runs ([500, 501])" in r.stderr
    assert not (tmp_path / "s.png").exists()


@pytest.mark.parametrize("text, expected", [
    ("scenario,peers\nx,1\n", ":1: expected the header of p2pgrid bench --csv"),
    (",".join(COLUMNS) + "\nx,grid,many,1,60,5,1,5,1,1,1,0\n", ":2: column 'peers': 'many' is not a number"),
    (",".join(COLUMNS) + "\nx,grid,10,1,60\n", ":2: column 'events' is missing"),
    (",".join(COLUMNS) + "\n", ": no rows"),
])
def test_bad_csv_names_file_line_and_column(tmp_path, text, expected):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    r = run_module("scaling", path, "-o", tmp_path / "s.png", check=False)
    assert r.returncode == 2, r.stdout
    assert f"p2pgrid_post: error: {path}{expected}" in r.stderr
    assert not (tmp_path / "s.png").exists()


def test_real_bench_rows_on_one_and_two_ranks(harness, tmp_path):
    config = tmp_path / "small.toml"
    config.write_text('[run]\nprotocol = "chord"\nduration = "20s"\n[peers]\ncount = 200\n'
                      '[chord]\nbootstrap = "oracle"\nprobe_rate = 20\n', encoding="utf-8")
    csv_path = tmp_path / "rows.csv"
    for ranks in (1, 2):
        harness.run(ranks, "bench", config, "--csv", csv_path)
    r = run_module("scaling", csv_path, "-o", tmp_path / "s.png")
    cells = table(r.stdout)
    assert set(cells) == {("small", 1), ("small", 2)}
    assert cells[("small", 1)][1] == "chord"
    assert cells[("small", 1)][5] == cells[("small", 2)][5]  # same events on any rank count
    assert cells[("small", 1)][9] == "0%" and cells[("small", 2)][9] != "0%"


def test_scaling_reads_what_scaling_sbatch_writes(harness, phold_config, tmp_path):
    """jobs/slurm/scaling.sbatch (run with bash outside Slurm) records bench --csv rows that
    `scaling` plots: the two files cannot drift apart again."""
    import os
    import subprocess

    from conftest import ROOT

    env = dict(harness.env, SLURM_NTASKS="2", P2PGRID_RANKS="1 2", P2PGRID_SCALING="strong",
               P2PGRID_BIN=os.path.abspath(harness.binary), P2PGRID_LAUNCHER=f"{harness.mpiexec} --oversubscribe",
               P2PGRID_OUTDIR=str(tmp_path / "out"), P2PGRID_JOBS_DIR=os.path.join(ROOT, "jobs", "slurm"))
    env.pop("SLURM_JOB_ID", None)
    r = subprocess.run(["bash", os.path.join(ROOT, "jobs", "slurm", "scaling.sbatch"), phold_config,
                        "run.duration=5s"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    csv = tmp_path / "out" / "scaling-local" / "scaling.csv"
    out = run_module("scaling", csv, "-o", tmp_path / "scaling.png").stdout
    rows = table(out)
    assert sorted(rows) == [("phold-small", 1), ("phold-small", 2)]
    assert (tmp_path / "scaling.png").read_bytes().startswith(PNG)
