"""Recovery time after run-node failures: from the crash of a job's run node
to the job running again. For every grid_recoveries row (an owner presumed
the run node dead) the crash is the node's last crash or leave in the faults
table at or before the detection, and the job runs again when its accepted
run starts (jobs.started) after the detection. Rows whose node did not crash
(a false suspicion: lost heartbeats) and jobs that never ran again (failed
or open) and jobs whose accepted run had already started before the detection
(another copy ran on) are counted apart, never dropped silently."""

from dataclasses import dataclass

import numpy as np

from .results import labels
from .statistics import NS

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


def run_recovery(trace):
    matchmaker, scenario = labels(trace)
    rec = trace.table("grid_recoveries") if trace.has("grid_recoveries") else None
    if rec is None or len(rec) == 0:
        return RunRecovery(scenario, matchmaker, 0, 0, 0, 0, np.array([]), np.array([]))
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
                       np.array(detect))


def markdown(rows):
    out = ["| scenario | matchmaker | detections | false suspicions | never ran again | recovered | "
           "detection mean s | recovery mean s | median s | p95 s | accepted run started before |",
           "|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if len(r.times):
            figs = (f"{r.detect.mean():.1f} | {r.times.mean():.1f} | {np.median(r.times):.1f} | "
                    f"{np.percentile(r.times, 95):.1f}")
        else:
            figs = "- | - | - | -"
        out.append(f"| {r.scenario} | {r.matchmaker} | {r.detections} | {r.false_suspicions} | {r.never_ran_again} | "
                   f"{len(r.times)} | {figs} | {r.ran_before} |")
    note = ("recovery: from the run node's crash to the job's accepted run starting again; detection: crash to the "
            "owner presuming the node dead (heartbeat period x missed heartbeats, at most). Runs of one cell pooled.")
    return "\n".join(out + ["", note]) + "\n"


def pooled(runs):
    """RunRecovery per (scenario, matchmaker), the runs' rows pooled."""
    groups = {}
    for r in runs:
        g = groups.get((r.scenario, r.matchmaker))
        if g is None:
            groups[(r.scenario, r.matchmaker)] = r
        else:
            groups[(r.scenario, r.matchmaker)] = RunRecovery(
                r.scenario, r.matchmaker, g.detections + r.detections, g.false_suspicions + r.false_suspicions,
                g.never_ran_again + r.never_ran_again, g.ran_before + r.ran_before,
                np.concatenate([g.times, r.times]),
                np.concatenate([g.detect, r.detect]))
    return list(groups.values())
