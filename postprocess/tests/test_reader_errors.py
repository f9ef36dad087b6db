"""The reader refuses what it cannot read, naming the file and the reason."""

import h5py
import numpy as np
import pytest

from conftest import run_module
from p2pgrid_post import TraceError, open_trace


def test_absent_file(tmp_path):
    p = tmp_path / "missing.h5"
    with pytest.raises(TraceError, match=f"^{p}: no such file$"):
        open_trace(p)
    r = run_module("summary", p, check=False)
    assert r.returncode == 2 and r.stderr == f"p2pgrid_post: error: {p}: no such file\n"


def test_not_hdf5(tmp_path):
    p = tmp_path / "text.h5"
    p.write_text("not hdf5 at all\n")
    with pytest.raises(TraceError, match=f"^{p}: not a readable HDF5 file"):
        open_trace(p)


def test_truncated_file(tmp_path, phold_traces):
    data = open(phold_traces[1], "rb").read()
    p = tmp_path / "cut.h5"
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(TraceError, match=f"^{p}: "):
        with open_trace(p) as t:
            for name in t.tables:
                t.table(name)


def test_hdf5_without_schema_version(tmp_path):
    p = tmp_path / "other.h5"
    with h5py.File(p, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(TraceError, match=r"not a p2pgrid trace \(no 'schema_version' root attribute\)"):
        open_trace(p)


def test_unknown_schema_version(tmp_path):
    p = tmp_path / "future.h5"
    with h5py.File(p, "w") as f:
        f.attrs["schema_version"] = np.int64(99)
        f.attrs["complete"] = np.int64(1)
    with pytest.raises(TraceError, match="schema version 99; this reader understands 1"):
        open_trace(p)


def test_missing_table_and_column(tmp_path):
    p = tmp_path / "small.h5"
    with h5py.File(p, "w") as f:
        f.attrs["schema_version"] = np.int64(1)
        f.attrs["complete"] = np.int64(1)
        f["jobs"] = np.zeros(2, dtype=[("submit", "<i8")])
    with open_trace(p) as t:
        with pytest.raises(TraceError, match=r"no table 'nodes' \(tables: jobs\)"):
            t.table("nodes")
        with pytest.raises(TraceError, match="table 'jobs' lacks column\\(s\\) started"):
            t.table("jobs", columns=("submit", "started"))
