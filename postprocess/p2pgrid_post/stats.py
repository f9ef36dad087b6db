"""Key figures of a trace: row counts, engine totals, jobs and faults."""

import numpy as np

from .reader import NO_PEER
from .statistics import NS, wait_seconds  # noqa: F401 (re-exported)

FAULT_ACTIONS = {0: "start", 1: "crash", 2: "restart", 3: "leave"}
JOB_STATUS = {0: "completed", 1: "failed", 2: "open at end"}


def key_figures(trace):
    """An ordered list of (name, value) pairs."""
    a = trace.attrs
    out = [
        ("schema version", trace.schema_version),
        ("complete", trace.complete),
        ("p2pgrid", f"{a.get('p2pgrid_version', '?')} (commit {a.get('git_commit', '?')})"),
        ("protocol", trace.setting("run.protocol", a.get("protocol", "?"))),
        ("seed", a.get("seed", "?")),
        ("ranks", a.get("ranks", "?")),
        ("hosts", a.get("hosts", "?")),
        ("wall clock", f"{a.get('start_time', '?')} .. {a.get('end_time', '?')}"),
    ]
    if "slurm_job_id" in a:
        out.append(("slurm job", a["slurm_job_id"]))
    for name in trace.tables:
        info = trace.table_info(name)
        off = "" if int(info.get("recorded", 1)) else " (not recorded)"
        out.append((f"rows {name}", f"{trace._file[name].shape[0]}{off}"))
    if trace.has("engine"):
        e = trace.table("engine")
        if len(e):
            events = int(e["events"].sum())
            wall = float(e["wall_seconds"].max())
            out += [
                ("engine events", events),
                ("engine messages", int(e["messages"].sum())),
                ("cross-rank messages", int(e["remote_messages"].sum())),
                ("cross-rank bytes", int(e["remote_bytes"].sum())),
                ("windows", int(e["windows"].max())),
                ("simulated s", round(float(e["sim_end"].max()) * NS, 9)),
                ("wall s (slowest rank)", round(wall, 3)),
                ("idle s (max exchange)", round(float(e["exchange_seconds"].max()), 3)),
                ("events/s", round(events / wall) if wall > 0 else 0),
                ("peak RSS MiB (max)", round(float(e["peak_rss"].max()) / 2**20, 1)),
            ]
    if trace.has("faults"):
        f = trace.table("faults")
        for code, label in FAULT_ACTIONS.items():
            out.append((f"faults {label}", int((f["action"] == code).sum())))
    if trace.has("jobs"):
        j = trace.table("jobs")
        out.append(("jobs", len(j)))
        for code, label in JOB_STATUS.items():
            out.append((f"jobs {label}", int((j["status"] == code).sum())))
        w = wait_seconds(j)
        if len(w):
            out += [("wait mean s", round(float(w.mean()), 6)),
                    ("wait median s", round(float(np.median(w)), 6)),
                    ("wait p95 s", round(float(np.percentile(w, 95)), 6))]
        done = j[(j["finished"] >= 0)]
        if len(done):
            out.append(("turnaround mean s", round(float(((done["finished"] - done["submit"]) * NS).mean()), 6)))
        out.append(("jobs without run node", int((j["run_node"] == NO_PEER).sum())))
    return out
