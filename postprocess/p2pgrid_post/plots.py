"""figure2 (the paper's Figure 2: wait, matchmaking cost, load balance) and the Gantt chart."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .reader import NO_PEER  # noqa: E402
from .results import matchmaker_key  # noqa: E402
from .statistics import NS, interval_below  # noqa: E402


_POPULATION = {"c": "clustered", "m": "mixed"}


def scenario_label(code):
    """The paper's scenario codes spelled out: "cm-heavy" -> "clustered nodes,
    mixed jobs, heavy" on three lines (configs/paper/: nodes, jobs, load)."""
    m = re.fullmatch(r"([cm])([cm])-(\w+)", code)
    if not m:
        return code
    return f"{_POPULATION[m[1]]} nodes\n{_POPULATION[m[2]]} jobs\n{m[3]}"


def _grouped_bars(ax, cells, attr, scenarios, matchmakers, err=None):
    """One bar group per scenario, one bar per matchmaker; nan (unknown) leaves a gap."""
    by = {(c.scenario, c.matchmaker): c for c in cells}
    width = 0.8 / len(matchmakers)
    for i, m in enumerate(matchmakers):
        got = [(k, by.get((s, m))) for k, s in enumerate(scenarios)]
        got = [(k, c) for k, c in got if c is not None and np.isfinite(getattr(c, attr))]
        y = [getattr(c, attr) for _, c in got]
        yerr = None
        if err:
            # Asymmetric: the lower end stops at 0 (no negative waits).
            above = [getattr(c, err) if np.isfinite(getattr(c, err)) else 0.0 for _, c in got]
            below = [interval_below(getattr(c, attr), getattr(c, err)) for _, c in got]
            yerr = [below, above]
        pos = [k + (i - (len(matchmakers) - 1) / 2) * width for k, _ in got]
        ax.bar(pos, y, width, yerr=yerr, capsize=2, color=f"C{i}", label=m)
    ax.set_xticks(np.arange(len(scenarios)), [scenario_label(s) for s in scenarios], fontsize="small")
    ax.set_xlim(-0.5, len(scenarios) - 0.5)
    ax.grid(axis="y", alpha=0.3)


def _mark_censored(ax, cells, scenarios, matchmakers):
    """Hatch the bar of every cell with jobs still open at the end of a run; returns how many."""
    by = {(c.scenario, c.matchmaker): c for c in cells}
    width = 0.8 / len(matchmakers)
    marked = 0
    for i, m in enumerate(matchmakers):
        for k, s in enumerate(scenarios):
            c = by.get((s, m))
            if c is None or c.open == 0 or not np.isfinite(c.wait_mean):
                continue
            pos = k + (i - (len(matchmakers) - 1) / 2) * width
            ax.bar([pos], [c.wait_mean], width, fill=False, hatch="///", edgecolor="black", linewidth=0)
            ax.annotate("≥", (pos, c.wait_mean), ha="center", va="bottom", fontsize="small")
            marked += 1
    return marked


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
    ax.set_xticks(np.arange(len(scenarios)), [scenario_label(s) for s in scenarios], fontsize="small")
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
    ax.set_xlabel("scenario (workload.name)")
    ax.set_ylim(bottom=0)
    censored = _mark_censored(ax, cells, scenarios, matchmakers)
    ax.set_title("(a) Mean wait of every submitted job; 95% t interval over the seeds' run means"
                 + (f"; hatched: {censored} cell(s) with jobs open at the end (mean is a lower bound)" if censored
                    else ""))
    ax.legend(title="matchmaker", fontsize="small", ncols=len(matchmakers))
    ax = fig.add_subplot(grid[1, :])
    _boxes(ax, cells, scenarios, matchmakers)
    ax.set_ylabel("wait (s)")
    ax.set_ylim(bottom=0)
    never = sum(c.failed + c.open for c in cells)
    ax.set_title("(b) Wait distribution, every job: quartiles, whiskers 5th-95th percentile, mean (triangle); "
                 f"{never} failed or open jobs counted until they ended")
    for col, (attr, ylabel) in enumerate((("hops_per_job", "hops per job (count)"),
                                          ("messages_per_job", "messages per job (count)"))):
        ax = fig.add_subplot(grid[2, 3 * col:3 * col + 3])
        _grouped_bars(ax, cells, attr, scenarios, matchmakers)
        ax.set_ylabel(ylabel)
        ax.set_title(f"(c) Matchmaking cost: {ylabel}")
        ax.tick_params(axis="x", labelrotation=45)
    for col, (attr, ylabel) in enumerate((("jobs_cv", "CV of jobs per node (ratio)"),
                                          ("busy_cv", "CV of busy time per node (ratio)"),
                                          ("busy_max_over_mean", "max / mean busy time (ratio)"))):
        ax = fig.add_subplot(grid[3, 2 * col:2 * col + 2])
        _grouped_bars(ax, cells, attr, scenarios, matchmakers)
        ax.set_ylabel(ylabel)
        ax.set_title(f"(d) Load balance: {ylabel}", fontsize="medium")
        ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)


def gantt(trace, out_png, max_nodes=60, max_clients=10):
    """Jobs on their run nodes over time; returns the number of bars drawn.
    Bars are coloured by submitting client (the first ``max_clients`` by id
    get their own colour and legend entry, the rest share grey); a job still
    running when the trace ends (censored) is hatched up to the end."""
    from matplotlib.patches import Patch

    jobs = trace.table("jobs", columns=("run_node", "started", "finished", "client"))
    end = max(int(jobs["finished"].max()) if len(jobs) else 0, 1)
    ran = jobs[(jobs["run_node"] != NO_PEER) & (jobs["started"] >= 0)]
    nodes = np.unique(ran["run_node"])[:max_nodes]
    row_of = {int(n): i for i, n in enumerate(nodes)}
    clients = [int(c) for c in np.unique(ran["client"])]
    colour_of = {c: f"C{i}" for i, c in enumerate(clients[:max_clients])}
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.18 * len(nodes) + 1)))
    bars, censored = 0, 0
    for j in ran:
        node = int(j["run_node"])
        if node not in row_of:
            continue
        start = j["started"] * NS
        open_end = j["finished"] < 0
        stop = (end if open_end else j["finished"]) * NS
        ax.barh(row_of[node], stop - start, left=start, height=0.8, color=colour_of.get(int(j["client"]), "0.6"),
                hatch="//" if open_end else None, edgecolor="black" if open_end else None, linewidth=0.3)
        bars += 1
        censored += int(open_end)
    ax.set_yticks(range(len(nodes)), [str(int(n)) for n in nodes], fontsize="x-small")
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel("run node (peer id)")
    ax.set_title(f"Jobs on run nodes ({bars} jobs; colour = submitting client)")
    handles = [Patch(color=colour, label=f"client {c}") for c, colour in colour_of.items()]
    if len(clients) > max_clients:
        handles.append(Patch(color="0.6", label=f"{len(clients) - max_clients} other clients"))
    if censored:
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="//", label="not finished (censored)"))
    if handles:
        ax.legend(handles=handles, fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
    return bars
