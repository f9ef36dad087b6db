"""docs/trace-schema.md documents every table and column the writers produce."""

import os
import re

import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_every_table_and_column_is_documented(phold_traces, tmp_path, jobs_tool):
    doc = open(os.path.join(ROOT, "docs", "trace-schema.md"), encoding="utf-8").read()
    jobs = tmp_path / "jobs.h5"
    jobs_tool.run(1, jobs, "--jobs", 10)
    for path in (phold_traces[1], jobs):
        with h5py.File(path, "r") as f:
            for name, ds in f.items():
                assert re.search(rf"^### `{name}`", doc, re.M), f"table {name} is not documented"
                section = doc.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
                for col, unit in zip(ds.attrs["columns"], ds.attrs["units"]):
                    assert re.search(rf"^\| `{col}` \|[^|]+\| {re.escape(unit) or '-'} \|", section,
                                     re.M), f"{name}.{col} is missing or has the wrong unit"
            for attr in f.attrs:
                assert f"`{attr}`" in doc, f"root attribute {attr} is not documented"
