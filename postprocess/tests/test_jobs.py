"""Jobs tables written through the real HDF5 writer by the jobs tool:
contents, rank-count independence, figure2 and gantt."""

import re

import numpy as np
import pytest

from conftest import JOBS, SYNTHETIC_SEEDS, run_module
from p2pgrid_post import open_trace
from p2pgrid_post.canon import canonical_text
from synthetic_jobs import expected_waits, make_job

PNG = b"\x89PNG\r\n\x1a\n"


def test_rows_equal_the_independent_generator(job_traces):
    with open_trace(job_traces[4]) as t:
        jobs = t.table("jobs")
    assert len(jobs) == JOBS
    jobs.sort(order="job")
    expected = sorted((make_job(3, i) for i in range(JOBS)), key=lambda r: r["job"])
    for got, want in zip(jobs, expected):
        assert {c: got[c].item() for c in jobs.dtype.names} == want


def test_jobs_table_is_canonically_identical_on_one_and_four_ranks(job_traces):
    with open_trace(job_traces[1]) as one, open_trace(job_traces[4]) as four:
        assert one.attrs["ranks"] == 1 and four.attrs["ranks"] == 4
        # Rows are stored in a different order (per rank blocks) ...
        assert not np.array_equal(one.table("jobs")["job"], four.table("jobs")["job"])
        # ... but are the same rows.
        assert canonical_text(one) == canonical_text(four)


def test_figure2_means_per_matchmaker_and_scenario(job_traces, tmp_path):
    png = tmp_path / "fig2.png"
    keys = [k for k in job_traces if isinstance(k, tuple)]
    out = run_module("figure2", *[job_traces[k] for k in keys], "-o", png).stdout
    assert png.read_bytes()[:8] == PNG
    for (mm, scen), seed in SYNTHETIC_SEEDS.items():
        w = expected_waits(seed, 500, mm)
        rows = [make_job(seed, i, matchmaker=mm) for i in range(500)]
        every = np.array([((r["started"] if r["started"] >= 0 else r["ended"]) - r["submit"]) * 1e-9 for r in rows])
        # scenario matchmaker runs jobs completed failed open mean-wait ...
        m = re.search(rf"^{scen}\s+{mm}\s+1\s+500\s+(\d+)\s+(\d+)\s+0\s+([\d.]+)\s", out, re.M)
        assert m, out
        assert int(m.group(1)) == len(w)  # every started synthetic job completed
        assert int(m.group(2)) == 500 - len(w)  # the others failed
        assert float(m.group(3)) == pytest.approx(every.mean(), abs=1e-6)  # every job's wait counts
    assert not re.search(r"^heavy\s+central\s+\d", out, re.M) or "nan" in out


def test_gantt_draws_every_started_job(job_traces, tmp_path):
    png = tmp_path / "gantt.png"
    out = run_module("gantt", job_traces[("can", "heavy")], "-o", png, "--max-nodes", 100).stdout
    expected = sum(1 for i in range(500) if make_job(7, i, matchmaker="can")["started"] >= 0)
    assert out.startswith(f"{expected} jobs drawn")
    assert png.read_bytes()[:8] == PNG


def test_summary_counts_jobs_by_status(job_traces):
    out = run_module("summary", job_traces[1]).stdout
    rows = [make_job(3, i) for i in range(JOBS)]
    failed = sum(r["status"] == 1 for r in rows)
    assert re.search(rf"^jobs completed\s+{JOBS - failed}$", out, re.M)
    assert re.search(rf"^jobs failed\s+{failed}$", out, re.M)
    assert failed > 0
