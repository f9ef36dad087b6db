"""Recovery time after run-node failures: from the crash of a job's run node
to the job running again. For every grid_recoveries row (an owner presumed
the run node dead) the crash is the node's last crash or leave in the faults
table at or before the detection, and the job runs again when its accepted
run starts (jobs.started) after the detection. Rows whose node did not crash
(a false suspicion: lost heartbeats) and jobs that never ran again (failed
or open) and jobs whose accepted run had already started before the detection
(another copy ran on) are counted apart, never dropped silently.

A cell is every run of one resolved config but its seed (results.config_key):
its recovery mean is the mean of the runs' mean recovery times with Student's
t interval over those run means; median and p95 pool the recovered jobs of
all its runs."""

from dataclasses import dataclass

import numpy as np

from .results import cells_by_config, config_key, labels
from .statistics import NS, half_width_95

CRASH, LEAVE = 1, 3


@dataclass
class RunRecovery:
    scenario: str
    matchmaker: str
    detections: int             # grid_recoveries rows
    false_suspicions: int       # the presumed-dead node had not crashed
    never_ran_again: int        # the job failed or was open at the end
    ran_before: int             # its accepted run had started before the detection (another copy ran on)
    times: np.ndarray           # crash -> running again (s), one per recovered job
    detect: np.ndarray          # crash -> detection (s), same rows
    config: tuple = ()          # config_key(stored config): the cell this run replicates
    path: str = ""


@dataclass
class CellRecovery:
    scenario: str
    matchmaker: str
    runs: int
    detections: int
    false_suspicions: int
    never_ran_again: int
    ran_before: int
    run_means: np.ndarray       # each run's mean recovery time (s); runs that recovered no job have none
    times: np.ndarray           # every recovered job of every run (s)
    detect: np.ndarray


def run_recovery(trace):
    matchmaker, scenario = labels(trace)
    rec = trace.table("grid_recoveries") if trace.has("grid_recoveries") else None
    cell = config_key(trace.config)
    if rec is None or len(rec) == 0:
        return RunRecovery(scenario, matchmaker, 0, 0, 0, 0, np.array([]), np.array([]), cell, trace.path)
    faults = trace.table("faults")
    down = faults[(faults["action"] == CRASH) | (faults["action"] == LEAVE)]
    crashes = {}
    for peer, t in zip(down["peer"].tolist(), down["time"].tolist()):
        crashes.setdefault(peer, []).append(t)
    for v in crashes.values():
        v.sort()
    jobs = trace.table("jobs", columns=("job", "started"))
    started = dict(zip(jobs["job"].tolist(), jobs["started"].tolist()))
    times, detect, false_suspicions, never, ran_before = [], [], 0, 0, 0
    for job, node, detected in zip(rec["job"].tolist(), rec["run_node"].tolist(), rec["detected"].tolist()):
        before = [t for t in crashes.get(node, []) if t <= detected]
        if not before:
            false_suspicions += 1
            continue
        crash = before[-1]
        s = started.get(job, -1)
        if s < 0:
            never += 1
            continue
        if s < detected:
            ran_before += 1
            continue
        times.append((s - crash) * NS)
        detect.append((detected - crash) * NS)
    return RunRecovery(scenario, matchmaker, len(rec), false_suspicions, never, ran_before, np.array(times),
                       np.array(detect), cell, trace.path)


def markdown(cells):
    out = ["| scenario | matchmaker | runs | detections | false suspicions | never ran again | recovered | "
           "detection mean s | recovery mean s | ±95% s | median s | p95 s | accepted run started before |",
           "|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in cells:
        if len(c.times):
            half = half_width_95(c.run_means)
            figs = (f"{c.detect.mean():.1f} | {c.run_means.mean():.1f} | "
                    f"{'-' if not np.isfinite(half) else f'{half:.1f}'} | {np.median(c.times):.1f} | "
                    f"{np.percentile(c.times, 95):.1f}")
        else:
            figs = "- | - | - | - | -"
        out.append(f"| {c.scenario} | {c.matchmaker} | {c.runs} | {c.detections} | {c.false_suspicions} | "
                   f"{c.never_ran_again} | {len(c.times)} | {figs} | {c.ran_before} |")
    note = ("recovery: from the run node's crash to the job's accepted run starting again; detection: crash to the "
            "owner presuming the node dead (heartbeat period x missed heartbeats, at most). Counts are totals over "
            "the cell's runs; recovery mean = mean of the runs' means, ±95% = half-width of Student's t interval "
            "over those run means ('-' below two runs); detection mean, median and p95 pool the recovered jobs "
            "of all runs.")
    return "\n".join(out + ["", note]) + "\n"


def cells(runs):
    """CellRecovery per cell (results.cells_by_config), sorted by scenario then matchmaker."""
    out = []
    for m in cells_by_config(runs):
        out.append(CellRecovery(
            m[0].scenario, m[0].matchmaker, len(m), sum(r.detections for r in m),
            sum(r.false_suspicions for r in m), sum(r.never_ran_again for r in m), sum(r.ran_before for r in m),
            np.array([r.times.mean() for r in m if len(r.times)]),
            np.concatenate([r.times for r in m]), np.concatenate([r.detect for r in m])))
    return out
