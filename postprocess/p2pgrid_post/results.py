"""The figures behind the paper's Figure 2 (section 3.3): job wait time,
matchmaking cost and load balance, per run and per (scenario, matchmaker).

Definitions (docs/trace-schema.md, "Derived quantities"):
- wait = started - submit, over the jobs that started;
- hops/job and messages/job = mean of match_hops and match_messages over every
  submitted job (a job that failed to match still cost its messages);
- load balance, over all ``peers.count`` peers of the run (an idle peer counts
  as 0): jobs per node = completed jobs whose accepted run was on the node,
  busy time per node = sum of their nominal run_time; reported as the
  coefficient of variation (population std / mean) and max / mean.
"""

import math
import os
from dataclasses import dataclass

import numpy as np

from .reader import NO_PEER, TraceError
from .statistics import NS, half_width_95, spread, t_quantile_975  # noqa: F401 (re-exported)

#: Matchmakers in the order of the design's table; others follow by name.
MATCHMAKER_ORDER = ("central", "rntree", "can", "can-push")

COMPLETED = 0


def labels(trace):
    """(matchmaker, scenario) of a trace: from the stored config, else the file name."""
    stem = os.path.splitext(os.path.basename(trace.path))[0]
    matchmaker = trace.setting("match.kind") or trace.setting("run.protocol") or stem
    scenario = trace.setting("workload.name") or trace.setting("workload.kind") or stem
    return str(matchmaker), str(scenario)


def peer_count(trace, fallback=None):
    """peers.count of the run: the stored config, else the root attribute
    ``peers``, else ``fallback`` (None: unknown)."""
    n = trace.setting("peers.count", trace.attrs.get("peers", fallback))
    return None if n is None else int(n)


@dataclass
class RunFigures:
    """The figures of one trace."""

    path: str
    scenario: str
    matchmaker: str
    jobs: int
    completed: int
    seed: object                # run.seed (None: unknown)
    waits: np.ndarray           # seconds, started jobs (row order: not meaningful)
    hops: int                   # sum of match_hops over every job
    messages: int               # sum of match_messages over every job
    peers: object               # int, or None when unknown
    jobs_per_node: object       # np.ndarray of length peers, or None
    busy_per_node: object       # seconds, np.ndarray of length peers, or None


def node_load(jobs, peers, path="trace"):
    """(completed jobs, busy seconds) per peer 0..peers-1 from a jobs table."""
    done = jobs[(jobs["status"] == COMPLETED) & (jobs["run_node"] != NO_PEER)]
    nodes = done["run_node"].astype(np.int64)
    if len(nodes) and int(nodes.max()) >= peers:
        raise TraceError(f"{path}: jobs.run_node {int(nodes.max())} is not a peer of a run with "
                         f"peers.count = {peers}")
    counts = np.bincount(nodes, minlength=peers).astype(np.float64)
    busy = np.zeros(peers, dtype=np.float64)
    np.add.at(busy, nodes, done["run_time"].astype(np.float64) * NS)
    return counts, busy


def run_figures(trace, peers=None):
    """Figures of one trace; ``peers`` is used when the trace does not store peers.count."""
    matchmaker, scenario = labels(trace)
    jobs = trace.table("jobs", columns=("run_node", "status", "match_hops", "match_messages", "submit", "started",
                                         "run_time"))
    started = jobs[jobs["started"] >= 0]
    n = peer_count(trace, peers)
    counts, busy = node_load(jobs, n, trace.path) if n is not None else (None, None)
    return RunFigures(
        path=trace.path, scenario=scenario, matchmaker=matchmaker,
        seed=trace.setting("run.seed", trace.attrs.get("seed")), jobs=len(jobs),
        completed=int((jobs["status"] == COMPLETED).sum()),
        waits=(started["started"] - started["submit"]).astype(np.float64) * NS,
        hops=int(jobs["match_hops"].astype(np.int64).sum()),
        messages=int(jobs["match_messages"].astype(np.int64).sum()),
        peers=n, jobs_per_node=counts, busy_per_node=busy)


@dataclass
class CellFigures:
    """One (scenario, matchmaker): its runs pooled (several seeds are replications)."""

    scenario: str
    matchmaker: str
    runs: int
    jobs: int
    completed: int
    waits: np.ndarray
    wait_mean: float
    wait_ci95: float            # half-width of the 95% interval of the mean wait
    ci_over: str                # "runs" (replications) or "jobs" (one run: jobs as if independent)
    wait_median: float
    wait_p95: float
    hops_per_job: float
    messages_per_job: float
    jobs_cv: float              # nan when the number of peers is unknown
    busy_cv: float
    busy_max_over_mean: float


def _mean_of(runs, f):
    vals = [f(r) for r in runs]
    return math.nan if any(v is None for v in vals) else float(np.mean(vals))


def cell_figures(cell_runs):
    """Pool the runs of one cell. The paper's runs are terminating simulations
    (all jobs arrive early, queues build up, then drain), so the waits of one
    run are neither independent nor stationary: the interval of the mean comes
    from independent replications, the run means of several seeds (Law &
    Kelton, terminating simulations). With a single run the only interval left
    treats its jobs as independent, which understates the uncertainty;
    ``ci_over`` says which one a cell has."""
    first = cell_runs[0]
    waits = np.concatenate([r.waits for r in cell_runs])
    jobs = sum(r.jobs for r in cell_runs)
    if len(cell_runs) > 1:
        ci, ci_over = half_width_95([r.waits.mean() for r in cell_runs if len(r.waits)]), "runs"
    else:
        ci, ci_over = half_width_95(first.waits), "jobs"
    has = len(waits) > 0
    return CellFigures(
        scenario=first.scenario, matchmaker=first.matchmaker, runs=len(cell_runs), jobs=jobs,
        completed=sum(r.completed for r in cell_runs), waits=waits,
        wait_mean=float(waits.mean()) if has else math.nan, wait_ci95=ci, ci_over=ci_over,
        wait_median=float(np.median(waits)) if has else math.nan,
        wait_p95=float(np.percentile(waits, 95)) if has else math.nan,
        hops_per_job=sum(r.hops for r in cell_runs) / jobs if jobs else math.nan,
        messages_per_job=sum(r.messages for r in cell_runs) / jobs if jobs else math.nan,
        jobs_cv=_mean_of(cell_runs, lambda r: None if r.peers is None else spread(r.jobs_per_node)[0]),
        busy_cv=_mean_of(cell_runs, lambda r: None if r.peers is None else spread(r.busy_per_node)[0]),
        busy_max_over_mean=_mean_of(cell_runs,
                                    lambda r: None if r.peers is None else spread(r.busy_per_node)[1]))


def matchmaker_key(name):
    return (MATCHMAKER_ORDER.index(name), "") if name in MATCHMAKER_ORDER else (len(MATCHMAKER_ORDER), name)


def same_seed_runs(runs):
    """Pairs of runs of one cell with the same seed: not independent replications
    (the same run on other rank counts gives the same trace)."""
    seen, out = {}, []
    for r in runs:
        key = (r.scenario, r.matchmaker, r.seed)
        if r.seed is not None and key in seen:
            out.append((seen[key], r))
        seen.setdefault(key, r)
    return out


def figure2_cells(runs):
    """CellFigures per (scenario, matchmaker), sorted by scenario then matchmaker."""
    groups = {}
    for r in runs:
        groups.setdefault((r.scenario, r.matchmaker), []).append(r)
    keys = sorted(groups, key=lambda k: (k[0], matchmaker_key(k[1])))
    return [cell_figures(groups[k]) for k in keys]
