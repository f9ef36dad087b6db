"""Traces written by the real harness on 1 and 4 ranks, read back with h5py."""

import os
import re
import socket
import subprocess

import h5py
import pytest

from conftest import run_module
from p2pgrid_post import open_trace
from p2pgrid_post.canon import canonical_text
from p2pgrid_post.reader import parse_config

PEERS = 1000          # configs/phold-small.toml: peers.count
CRASH_FRACTION = 0.1  # one [[faults]] entry, crash 10% at 20 s, restart after 15 s (< the 60 s run)


def test_four_ranks_row_counts_schema_and_provenance(phold_traces, harness, phold_config):
    with open_trace(phold_traces[4]) as t:
        assert t.schema_version == 2
        assert t.complete
        crashed = round(CRASH_FRACTION * PEERS)
        # Every peer starts once; the crashed ones crash and restart once.
        assert len(t.table("faults")) == PEERS + 2 * crashed
        assert len(t.table("nodes")) == PEERS
        assert len(t.table("phold")) == PEERS  # every peer is alive at the end
        assert len(t.table("engine")) == 4
        assert sorted(t.table("engine")["rank"].tolist()) == [0, 1, 2, 3]
        assert sorted(t.table("nodes")["peer"].tolist()) == list(range(PEERS))
        a = t.attrs
        assert a["ranks"] == 4 and a["seed"] == 7 and a["peers"] == PEERS and a["protocol"] == "phold"
        assert socket.gethostname() in a["hosts"].split(",")
        iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
        assert re.fullmatch(iso, a["start_time"]) and re.fullmatch(iso, a["end_time"])
        assert a["start_time"] <= a["end_time"]
    # Provenance agrees with what the binary says of itself.
    version = subprocess.run([harness.binary, "--version"], capture_output=True, text=True).stdout
    assert f"p2pgrid {a['p2pgrid_version']} (commit {a['git_commit']})" in version
    validated = subprocess.run([harness.binary, "validate", phold_config], capture_output=True, text=True,
                               env=harness.env).stdout
    assert parse_config(a["config"]) == parse_config(validated.split("\n", 1)[1])
    assert parse_config(a["config"])["peers"]["count"] == PEERS


def test_nodes_table_matches_the_block_placement(phold_traces):
    with open_trace(phold_traces[4]) as t:
        nodes = t.table("nodes")
    nodes.sort(order="peer")
    ranks = nodes["rank"]
    assert (ranks[1:] >= ranks[:-1]).all()  # block: contiguous ranges
    assert [int((ranks == r).sum()) for r in range(4)] == [250] * 4
    crashed = nodes[nodes["crash"] >= 0]
    assert len(crashed) == round(CRASH_FRACTION * PEERS)
    assert (crashed["crash"] == 20_000_000_000).all() and (crashed["restarts"] == 1).all()
    assert (nodes["join"] == 0).all()


def test_one_and_four_ranks_give_identical_canonical_tables(phold_traces):
    with open_trace(phold_traces[1]) as one, open_trace(phold_traces[4]) as four:
        text1, text4 = canonical_text(one), canonical_text(four)
        for name in ("phold", "faults", "nodes"):
            assert f"# {name}\n" in text1
        assert text1.count("\n") > 3000
        assert text1 == text4
    # The command line gives the same text.
    assert run_module("canon", phold_traces[1]).stdout == run_module("canon", phold_traces[4]).stdout == text1


def test_datasets_are_chunked_uncompressed_with_units(phold_traces):
    # Uncompressed by default: a killed run keeps every flushed row (docs/trace-schema.md).
    with h5py.File(phold_traces[4], "r") as f:
        for name in ("phold", "faults", "nodes", "engine"):
            ds = f[name]
            assert ds.compression is None and not ds.shuffle and ds.maxshape == (None,)
            assert ds.chunks[0] * ds.dtype.itemsize <= 1 << 20 < (ds.chunks[0] + 1) * ds.dtype.itemsize
            cols = list(ds.attrs["columns"])  # str: variable-length UTF-8
            assert cols == list(ds.dtype.names)
            units = dict(zip(cols, ds.attrs["units"]))
            for c in cols:
                if f[name].dtype[c].kind == "i" and c in ("time", "last", "join", "crash", "sim_end"):
                    assert units[c] == "ns", (name, c)
        assert f["faults"].dtype["time"] == "<i8"


def test_disabled_table_is_empty_and_marked(harness, phold_config, tmp_path):
    out = tmp_path / "off.h5"
    harness.run(2, "run", phold_config, "--set", "trace.disable=phold", "--set", "run.duration=5s", "-o", out)
    with open_trace(out) as t:
        assert len(t.table("phold")) == 0
        assert t.table_info("phold")["recorded"] == 0
        assert len(t.table("nodes")) == PEERS


def test_bad_trace_config_fails_before_the_file_exists(harness, phold_config, tmp_path):
    out = tmp_path / "bad.h5"
    r = harness.run(2, "run", phold_config, "--set", "trace.disable=lookups", "-o", out, check=False)
    assert r.returncode != 0
    assert "key 'trace.disable': no table 'lookups' in this run (tables: phold, nodes, faults, engine, traffic)" in r.stderr
    assert not out.exists()
    out2 = tmp_path / "nodir" / "x.h5"
    r = harness.run(1, "run", phold_config, "-o", out2, check=False)
    assert r.returncode == 2  # it aborted with 134 before issue 18
    assert r.stderr.startswith(f"p2pgrid: error: -o '{out2}': directory '{out2.parent}' does not exist\n")


def test_summary_and_compare(phold_traces):
    s = run_module("summary", phold_traces[4]).stdout
    assert re.search(r"^rows phold\s+1000$", s, re.M)
    assert re.search(r"^ranks\s+4$", s, re.M)
    with open_trace(phold_traces[4]) as t:
        events = int(t.table("engine")["events"].sum())
    assert re.search(rf"^engine events\s+{events}$", s, re.M)
    c = run_module("compare", phold_traces[1], phold_traces[4]).stdout
    for name in ("phold", "faults", "nodes"):
        assert re.search(rf"^canonical {name}\s+identical$", c, re.M)
    assert re.search(r"^ranks\s+1\s+4\s+\*$", c, re.M)
