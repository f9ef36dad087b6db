"""The load sweep: mean wait against offered load, in steady state.

Offered load rho = (mean nominal run time / mean interarrival) / peers.count:
the share of the grid's nodes the jobs would keep busy if each node ran one
job at a time and every node could run every job (constraints make the
effective load higher). A run's steady-state wait is the mean wait of the
jobs submitted after the warm-up (the first ``warmup`` fraction of the
arrival period is discarded: queues start empty) and before the last
arrival; at rho >= 1 there is no steady state (queues grow without bound)
and the figure is a window mean only. Every job in the window counts
(statistics.waits_of_all_jobs); intervals are over seeds."""

import math
from dataclasses import dataclass

import numpy as np

from .reader import TraceError
from .results import config_key, labels, matchmaker_key
from .statistics import mean_interval, waits_of_all_jobs


def _seconds(text):
    """A config duration ("100ms", "200s", "4h") in seconds."""
    units = (("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("min", 60.0), ("s", 1.0), ("h", 3600.0))
    text = str(text).strip()
    for suffix, scale in units:
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    raise ValueError(f"not a duration: {text!r}")


def offered_load(trace):
    run_time = _seconds(trace.setting("workload.run_time"))
    interarrival = _seconds(trace.setting("workload.interarrival"))
    return run_time / interarrival / int(trace.setting("peers.count"))


@dataclass
class LoadRun:
    matchmaker: str
    scenario: str
    load: float
    seed: object
    config: tuple
    window_jobs: int
    wait: float                 # mean wait of the window's jobs (s)
    open: int                   # window jobs open at the end (the mean is then a lower bound)


def load_run(trace, warmup=0.2):
    matchmaker, scenario = labels(trace)
    jobs = trace.table("jobs", columns=("submit", "started", "ended", "status"))
    first, last = float(jobs["submit"].min()), float(jobs["submit"].max())
    cut = first + warmup * (last - first)
    window = jobs[jobs["submit"] >= cut]
    waits = waits_of_all_jobs(window)
    return LoadRun(matchmaker, scenario, offered_load(trace), trace.setting("run.seed"),
                   config_key(trace.config, without=("workload.interarrival", "workload.jobs")), len(window),
                   float(waits.mean()) if len(waits) else math.nan, int((window["status"] == 2).sum()))


@dataclass
class LoadPoint:
    matchmaker: str
    load: float
    runs: int
    mean: float
    low: float
    high: float
    open: int


def load_points(runs):
    """One point per cell and load (a cell: the config minus its seed, load and
    job count): the mean over seeds of the window means. Raises TraceError
    when two configs carry one matchmaker label at one load."""
    groups = {}
    for r in runs:
        groups.setdefault((r.config, round(r.load, 6)), []).append(r)
    seen = {}
    for (config, load), members in groups.items():
        label = (members[0].matchmaker, load)
        if label in seen:
            names = sorted({k for k, _ in set(config) ^ set(seen[label])})
            raise TraceError(f"matchmaker '{label[0]}' at offered load {load:g} names two different configurations "
                             f"(they differ in {', '.join(names)})")
        seen[label] = config
    out = []
    for (_, load), members in sorted(groups.items(), key=lambda g: (matchmaker_key(g[1][0].matchmaker), g[0][1])):
        mean, low, high = mean_interval([r.wait for r in members])
        out.append(LoadPoint(members[0].matchmaker, load, len(members), mean, low, high, sum(r.open for r in members)))
    return out


def markdown(points):
    loads = sorted({p.load for p in points})
    mms = []
    for p in points:
        if p.matchmaker not in mms:
            mms.append(p.matchmaker)
    by = {(p.matchmaker, p.load): p for p in points}
    out = ["| offered load | " + " | ".join(mms) + " |", "|---:|" + "---:|" * len(mms)]
    for load in loads:
        cells = []
        for m in mms:
            p = by.get((m, load))
            if p is None:
                cells.append("-")
                continue
            text = ("≥ " if p.open else "") + f"{p.mean:.1f}"
            if not math.isnan(p.low):
                text += f" [{p.low:.1f}, {p.high:.1f}]"
            cells.append(text)
        out.append(f"| {load:.2f} | " + " | ".join(cells) + " |")
    note = ("mean wait (s) of the jobs submitted after the warm-up, mean over seeds [95% t interval over seeds]; "
            "≥: some of those jobs were open when the run ended. Load >= 1 has no steady state.")
    return "\n".join(out + ["", note]) + "\n"


def plot(points, out_png):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, m in enumerate(sorted({p.matchmaker for p in points}, key=matchmaker_key)):
        mine = sorted((p for p in points if p.matchmaker == m), key=lambda p: p.load)
        x = np.array([p.load for p in mine])
        y = np.array([p.mean for p in mine])
        err = np.array([[p.mean - p.low if np.isfinite(p.low) else 0 for p in mine],
                        [p.high - p.mean if np.isfinite(p.high) else 0 for p in mine]])
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color=f"C{i}", label=m)
        for p in mine:
            if p.open:
                ax.annotate("≥", (p.load, p.mean), textcoords="offset points", xytext=(4, 4), fontsize="small")
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("offered load (mean run time x arrival rate / nodes)")
    ax.set_ylabel("mean wait after warm-up (s)")
    ax.set_title("Wait against offered load (95% t intervals over seeds)")
    ax.grid(alpha=0.3)
    ax.legend(title="matchmaker")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
