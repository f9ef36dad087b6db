"""figure2 (the paper's Figure 2: wait, matchmaking cost, load balance) and the Gantt chart."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .reader import NO_PEER  # noqa: E402
from .results import matchmaker_key  # noqa: E402
from .stats import NS  # noqa: E402


def _grouped_bars(ax, cells, attr, scenarios, matchmakers, err=None):
    """One bar group per scenario, one bar per matchmaker; nan (unknown) leaves a gap."""
    by = {(c.scenario, c.matchmaker): c for c in cells}
    width = 0.8 / len(matchmakers)
    for i, m in enumerate(matchmakers):
        got = [(k, by.get((s, m))) for k, s in enumerate(scenarios)]
        got = [(k, c) for k, c in got if c is not None and np.isfinite(getattr(c, attr))]
        y = [getattr(c, attr) for _, c in got]
        yerr = [getattr(c, err) if np.isfinite(getattr(c, err)) else 0.0 for _, c in got] if err else None
        pos = [k + (i - (len(matchmakers) - 1) / 2) * width for k, _ in got]
        ax.bar(pos, y, width, yerr=yerr, capsize=2, color=f"C{i}", label=m)
    ax.set_xticks(np.arange(len(scenarios)), scenarios, fontsize="small")
    ax.set_xlim(-0.5, len(scenarios) - 0.5)
    ax.grid(axis="y", alpha=0.3)


def _boxes(ax, cells, scenarios, matchmakers):
    """Wait distribution: box = quartiles, whiskers = 5th..95th percentile, triangle = mean."""
    by = {(c.scenario, c.matchmaker): c for c in cells}
    width = 0.8 / len(matchmakers)
    for i, m in enumerate(matchmakers):
        pos, data = [], []
        for k, s in enumerate(scenarios):
            c = by.get((s, m))
            if c is not None and len(c.waits):
                pos.append(k + (i - (len(matchmakers) - 1) / 2) * width)
                data.append(c.waits)
        if not data:
            continue
        b = ax.boxplot(data, positions=pos, widths=width * 0.9, whis=(5, 95), showfliers=False, showmeans=True,
                       patch_artist=True, manage_ticks=False,
                       meanprops={"marker": "^", "markerfacecolor": "white", "markeredgecolor": "black",
                                  "markersize": 4},
                       medianprops={"color": "black"})
        for patch in b["boxes"]:
            patch.set_facecolor(f"C{i}")
    ax.set_xticks(np.arange(len(scenarios)), scenarios, fontsize="small")
    ax.set_xlim(-0.5, len(scenarios) - 0.5)
    ax.grid(axis="y", alpha=0.3)


def figure2(cells, out_png):
    """The paper's Figure 2 and its companions, one PNG: (a) mean wait with 95%
    intervals, (b) wait distribution, (c) matchmaking cost, (d) load balance."""
    scenarios = sorted({c.scenario for c in cells})
    matchmakers = sorted({c.matchmaker for c in cells}, key=matchmaker_key)
    fig = plt.figure(figsize=(max(10, 0.45 * len(scenarios) * len(matchmakers) + 3), 15))
    grid = fig.add_gridspec(4, 6, height_ratios=(1, 1.1, 0.9, 0.9))
    ax = fig.add_subplot(grid[0, :])
    _grouped_bars(ax, cells, "wait_mean", scenarios, matchmakers, err="wait_ci95")
    ax.set_ylabel("mean wait (s)")
    over = sorted({c.ci_over for c in cells})
    ax.set_title("(a) Mean job wait time (started - submitted); 95% interval over "
                 + " or ".join({"runs": "seeds (cells with several runs)",
                                "jobs": "jobs as if independent (single runs: understated)"}[o] for o in over))
    ax.legend(title="matchmaker", fontsize="small", ncols=len(matchmakers))
    ax = fig.add_subplot(grid[1, :])
    _boxes(ax, cells, scenarios, matchmakers)
    ax.set_ylabel("wait (s)")
    ax.set_title("(b) Wait time distribution: quartiles, whiskers 5th-95th percentile, mean (triangle)")
    for col, (attr, ylabel) in enumerate((("hops_per_job", "hops per job"),
                                          ("messages_per_job", "messages per job"))):
        ax = fig.add_subplot(grid[2, 3 * col:3 * col + 3])
        _grouped_bars(ax, cells, attr, scenarios, matchmakers)
        ax.set_ylabel(ylabel)
        ax.set_title(f"(c) Matchmaking cost: {ylabel}")
        ax.tick_params(axis="x", labelrotation=45)
    for col, (attr, ylabel) in enumerate((("jobs_cv", "CV of jobs per node"), ("busy_cv", "CV of busy time per node"),
                                          ("busy_max_over_mean", "max / mean busy time"))):
        ax = fig.add_subplot(grid[3, 2 * col:2 * col + 2])
        _grouped_bars(ax, cells, attr, scenarios, matchmakers)
        ax.set_ylabel(ylabel)
        ax.set_title(f"(d) Load balance: {ylabel}", fontsize="medium")
        ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)


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
