"""The figures behind the paper's Figure 2 (section 3.3): job wait time,
matchmaking cost and load balance, per run and per cell.

Definitions (docs/trace-schema.md, "Derived quantities"):
- a cell is every run of one resolved configuration but its seed (the
  trace's stored config minus ``run.seed``): runs of one cell are independent
  replications, and two configurations that differ in anything else are never
  pooled, whatever their file names or labels;
- wait = started - submit for a job that ran; ended - submit for one that
  failed or was still open at the end (statistics.waits_of_all_jobs): every
  submitted job counts, and a cell with open jobs is *censored* (its mean is
  a lower bound);
- the interval of a mean is Student's t over the run means (scipy); a cell of
  one run has none;
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
from .statistics import NS, half_width_95, mean_interval, spread, t_quantile_975  # noqa: F401 (re-exported)
from .statistics import waits_of_all_jobs

#: Matchmakers in the order of the design's table; others follow by name.
MATCHMAKER_ORDER = ("central", "rntree", "can", "can-push")

COMPLETED = 0
FAILED = 1
OPEN_AT_END = 2

#: Keys that say where a run's output goes, how it reports or when it
#: checkpoints (a checkpointed run ends as an uninterrupted one), not what it
#: simulates: ignored when runs are pooled into cells.
_NOT_THE_SCENARIO = ("run.seed", "run.log", "run.checkpoint_every", "trace.", "progress.")


def _flatten(node, prefix=""):
    out = {}
    for k, v in node.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = repr(v)
    return out


def config_key(config, without=()):
    """A hashable form of a resolved config (dict) minus its seed, output and
    reporting keys, and minus the keys or prefixes in ``without``."""
    drop = _NOT_THE_SCENARIO + tuple(without)

    def dropped(k):
        return any(k.startswith(d) if d.endswith(".") else k == d for d in drop)

    return tuple(sorted((k, v) for k, v in _flatten(config or {}).items() if not dropped(k)))


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
    failed: int
    open: int                   # open_at_end: the run stopped before these jobs ended
    seed: object                # run.seed (None: unknown)
    config: tuple               # config_key(stored config): the cell this run replicates
    waits: np.ndarray           # seconds, every submitted job (statistics.waits_of_all_jobs)
    hops: int                   # sum of match_hops over every job
    messages: int               # sum of match_messages over every job
    peers: object               # int, or None when unknown
    jobs_per_node: object       # np.ndarray of length peers, or None
    busy_per_node: object       # seconds, np.ndarray of length peers, or None
    binding: float              # constraints per job above the weakest node (nan without a nodes table)


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
                                         "ended", "run_time", "min_cpu", "min_memory", "min_disk"))
    n = peer_count(trace, peers)
    counts, busy = node_load(jobs, n, trace.path) if n is not None else (None, None)
    return RunFigures(
        path=trace.path, scenario=scenario, matchmaker=matchmaker,
        seed=trace.setting("run.seed", trace.attrs.get("seed")), jobs=len(jobs),
        completed=int((jobs["status"] == COMPLETED).sum()), failed=int((jobs["status"] == FAILED).sum()),
        open=int((jobs["status"] == OPEN_AT_END).sum()), config=config_key(trace.config),
        waits=waits_of_all_jobs(jobs),
        hops=int(jobs["match_hops"].astype(np.int64).sum()),
        messages=int(jobs["match_messages"].astype(np.int64).sum()),
        peers=n, jobs_per_node=counts, busy_per_node=busy, binding=binding_constraints(trace, jobs))


def binding_constraints(trace, jobs):
    """Mean number of a job's minimums that exclude at least one node (above
    the weakest node's value of that resource), from the nodes table."""
    if not trace.has("nodes") or len(jobs) == 0:
        return math.nan
    nodes = trace.table("nodes", columns=("cpu", "memory", "disk"))
    if len(nodes) == 0 or int(nodes["cpu"].max()) == 0:
        return math.nan
    count = sum((jobs[f"min_{r}"] > float(nodes[r].min())).sum() for r in ("cpu", "memory", "disk"))
    return float(count) / len(jobs)


@dataclass
class CellFigures:
    """One cell (a config minus its seed): its runs pooled (several seeds are replications)."""

    scenario: str
    matchmaker: str
    runs: int
    jobs: int
    completed: int
    failed: int
    open: int                   # jobs open at the end of their run: the waits are censored
    waits: np.ndarray           # every job of every run
    run_means: list             # the mean wait of each run (seconds), in input order
    seeds: list                 # run.seed of each run, in the same order
    config: tuple
    wait_mean: float            # mean of the run means (each run has the cell's job count)
    wait_ci95: float            # half-width of the 95% t interval over the run means (nan: one run)
    binding: float              # constraints per job that exclude some node (mean over runs)
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
    Kelton, terminating simulations); one run has no interval."""
    first = cell_runs[0]
    waits = np.concatenate([r.waits for r in cell_runs])
    jobs = sum(r.jobs for r in cell_runs)
    means = [float(r.waits.mean()) if len(r.waits) else math.nan for r in cell_runs]
    _, _, high = mean_interval([m for m in means if np.isfinite(m)])
    has = len(waits) > 0
    mean = float(np.mean(means)) if has else math.nan
    return CellFigures(
        scenario=first.scenario, matchmaker=first.matchmaker, runs=len(cell_runs), jobs=jobs,
        completed=sum(r.completed for r in cell_runs), failed=sum(r.failed for r in cell_runs),
        open=sum(r.open for r in cell_runs), waits=waits, run_means=means, seeds=[r.seed for r in cell_runs],
        config=first.config, wait_mean=mean, binding=_mean_of(cell_runs, lambda r: r.binding), wait_ci95=high - mean if np.isfinite(high) else math.nan,
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
        key = (r.config, r.seed)
        if r.seed is not None and key in seen:
            out.append((seen[key], r))
        seen.setdefault(key, r)
    return out


def cells_by_config(runs, by=()):
    """Runs (each with config, scenario, matchmaker and path) grouped into
    cells by config minus seed: one list of runs per cell, sorted by scenario
    then matchmaker. Raises TraceError when two
    different configs carry the same (scenario, matchmaker) label: a table row
    would then mix them up. Keys in ``by`` are shown as columns of the table,
    so they are part of a row's label."""
    groups = {}
    for r in runs:
        groups.setdefault(r.config, []).append(r)
    labels = {}
    for key, members in groups.items():
        config = dict(key)
        label = (members[0].scenario, members[0].matchmaker, *(config.get(k) for k in by))
        if label in labels:
            other = groups[labels[label]][0]
            diff = sorted(set(key) ^ set(labels[label]))
            names = sorted({k for k, _ in diff})
            raise TraceError(f"{members[0].path} and {other.path}: scenario '{label[0]}' with matchmaker '{label[1]}' "
                             f"names two different configurations (they differ in {', '.join(names)}); give each "
                             f"its own workload.name")
        labels[label] = key
    return sorted(groups.values(), key=lambda m: (m[0].scenario, matchmaker_key(m[0].matchmaker)))


def figure2_cells(runs, by=()):
    """CellFigures per cell (cells_by_config), sorted by scenario then matchmaker."""
    return [cell_figures(members) for members in cells_by_config(runs, by)]


@dataclass
class Ratio:
    """A cell's mean wait over its baseline's (the same config with the
    baseline matchmaker), paired by seed: the interval is Student's t over the
    per-seed ratios."""

    scenario: str
    matchmaker: str
    pairs: int
    mean: float
    low: float                  # nan below two pairs
    high: float
    censored: bool              # a run of either cell had open jobs (the ratio is uncertain both ways)
    labels: dict                # the cell's config (key -> repr of the value)


def ratios_to(cells, baseline="central"):
    """Ratio per non-baseline cell that has a baseline cell of the same config
    but match.kind (and the matchmaker-specific keys) with at least one common seed."""
    def key_without_matchmaker(c):
        return tuple((k, v) for k, v in c.config if k != "match.kind")

    base = {key_without_matchmaker(c): c for c in cells if c.matchmaker == baseline}
    out = []
    for c in cells:
        b = base.get(key_without_matchmaker(c))
        if c.matchmaker == baseline or b is None:
            continue
        by_seed = dict(zip(b.seeds, b.run_means))
        pairs = [m / by_seed[s] for s, m in zip(c.seeds, c.run_means) if s in by_seed and by_seed[s] > 0]
        if not pairs:
            continue
        mean, low, high = mean_interval(pairs)
        out.append(Ratio(c.scenario, c.matchmaker, len(pairs), mean, low, high, c.open > 0 or b.open > 0,
                         dict(c.config)))
    return out
