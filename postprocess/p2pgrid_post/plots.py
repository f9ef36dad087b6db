"""figure2 (wait time per matchmaker per scenario) and the Gantt chart."""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .reader import NO_PEER  # noqa: E402
from .stats import NS, wait_seconds  # noqa: E402


def labels(trace):
    """(matchmaker, scenario) of a trace: from the stored config, else the file name."""
    stem = os.path.splitext(os.path.basename(trace.path))[0]
    matchmaker = trace.setting("match.kind") or trace.setting("run.protocol") or stem
    scenario = trace.setting("workload.name") or trace.setting("workload.kind") or stem
    return str(matchmaker), str(scenario)


def figure2_data(traces):
    """{(scenario, matchmaker): wait seconds of all started jobs}, pooled over traces."""
    data = {}
    for t in traces:
        matchmaker, scenario = labels(t)
        jobs = t.table("jobs", columns=("submit", "started"))
        data.setdefault((scenario, matchmaker), []).append(wait_seconds(jobs))
    return {k: np.concatenate(v) for k, v in data.items()}


def figure2(traces, out_png):
    """Mean job wait time per matchmaker (bars) per scenario (groups); returns the table."""
    data = figure2_data(traces)
    scenarios = sorted({s for s, _ in data})
    matchmakers = sorted({m for _, m in data})
    fig, ax = plt.subplots(figsize=(max(4, 1.5 * len(scenarios) * max(1, len(matchmakers)) / 2), 3.5))
    width = 0.8 / max(1, len(matchmakers))
    x = np.arange(len(scenarios))
    rows = []
    for i, m in enumerate(matchmakers):
        means, errs = [], []
        for s in scenarios:
            w = data.get((s, m), np.zeros(0))
            mean = float(w.mean()) if len(w) else np.nan
            means.append(mean)
            errs.append(float(w.std(ddof=1) / np.sqrt(len(w))) if len(w) > 1 else 0.0)
            rows.append((s, m, len(w), mean))
        ax.bar(x + (i - (len(matchmakers) - 1) / 2) * width, means, width, yerr=errs, label=m, capsize=2)
    ax.set_xticks(x, scenarios)
    ax.set_ylabel("mean job wait time (s)")
    ax.set_xlabel("scenario")
    ax.legend(title="matchmaker", fontsize="small")
    ax.set_title("Job wait time (started - submitted)")
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
    return rows


def gantt(trace, out_png, max_nodes=60):
    """Jobs on their run nodes over time; returns the number of bars drawn."""
    jobs = trace.table("jobs", columns=("run_node", "started", "finished", "client"))
    end = max(int(jobs["finished"].max()) if len(jobs) else 0, 1)
    ran = jobs[(jobs["run_node"] != NO_PEER) & (jobs["started"] >= 0)]
    nodes = np.unique(ran["run_node"])[:max_nodes]
    row_of = {int(n): i for i, n in enumerate(nodes)}
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.18 * len(nodes) + 1)))
    cmap = plt.get_cmap("tab20")
    bars = 0
    for j in ran:
        node = int(j["run_node"])
        if node not in row_of:
            continue
        start = j["started"] * NS
        stop = (j["finished"] if j["finished"] >= 0 else end) * NS
        ax.barh(row_of[node], stop - start, left=start, height=0.8, color=cmap(int(j["client"]) % 20))
        bars += 1
    ax.set_yticks(range(len(nodes)), [str(int(n)) for n in nodes], fontsize="x-small")
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("run node")
    ax.set_title(f"Jobs on run nodes ({bars} jobs, colour = client)")
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
    return bars
