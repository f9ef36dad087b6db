"""Users and workflows (docs/fairness.md): per-user slowdown and wait, Jain's
fairness index over users, and each workflow's makespan against its
critical-path bound.

Definitions, over the jobs table (times in seconds):
- wait = started - submit; slowdown = (finished - submit) / run_time, the
  nominal run time (the time the job would take alone on a reference node),
  over completed jobs with run_time > 0;
- a user's figures are means over its completed jobs; "light" users are every
  user but the heavy ones (users 0 .. workload.heavy_users - 1 of the sweep
  mix, none otherwise);
- Jain's index over users of x_u = 1 / (mean slowdown of u): (sum x)^2 /
  (n * sum x^2); 1 when every user is served equally fast, 1/n when one user
  gets everything;
- throughput = completed jobs / (last finished - first submit), per hour;
- heavy share = the heavy users' part of the run time (nominal) of the
  contended starts: jobs that started while their run node also held a
  waiting job of the other class (heavy: users 0 .. heavy_users - 1; light:
  the others), so the queue chose between the classes (completed jobs,
  waiting = matched there and not started yet). FIFO gives the classes
  turns by arrival; weighted fair queues aim at w_heavy / (w_heavy +
  w_light) between one heavy and one light user;
- heavy share 1st h = the heavy users' part of the run time of every job
  that started in the first hour after both classes had submitted a job
  (completed jobs; grid-wide, contended or not);
- a workflow is a connected set of jobs in the dependencies table; its
  makespan = last finished - first submit; its critical-path bound = the
  largest sum of run_time along a parent -> child path: no placement can
  finish it sooner (on reference-speed nodes).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class UserFigures:
    path: str
    matchmaker: str
    queue: str
    weights: str
    seed: str
    users: int
    light_users: int
    jobs: int
    completed: int
    light_slowdown: float
    heavy_slowdown: float
    light_wait: float
    heavy_wait: float
    jain: float
    throughput_per_h: float
    makespan: float
    heavy_share: float
    heavy_share_1h: float


def jain(values):
    """Jain's fairness index of non-negative values (nan if empty or all zero)."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0 or not np.any(x):
        return float("nan")
    return float(x.sum() ** 2 / (len(x) * (x ** 2).sum()))


def per_user(jobs):
    """One row per user: jobs, completed, mean wait, mean slowdown (completed jobs)."""
    done = jobs[(jobs.status == "completed") & (jobs.run_time > 0)].copy()
    done["wait"] = done.started - done.submit
    done["slowdown"] = (done.finished - done.submit) / done.run_time
    counts = jobs.groupby("user").size().rename("jobs")
    means = done.groupby("user")[["wait", "slowdown"]].mean()
    completed = done.groupby("user").size().rename("completed")
    table = pd.concat([counts, completed, means], axis=1)
    table["completed"] = table["completed"].fillna(0).astype(int)
    return table


def heavy_share(jobs, heavy):
    """The heavy users' part of the run time of contended starts (nan if none).

    A start is contended when, at that moment, its run node held a waiting
    job of the other class (matched there, not started yet): the queue had
    to choose between the classes. Completed jobs only (the accepted runs).
    """
    done = jobs[(jobs.status == "completed") & (jobs.run_node >= 0)]
    if heavy == 0:
        return float("nan")
    given = {True: 0.0, False: 0.0}
    for _, node in done.groupby("run_node"):
        matched = node.matched.to_numpy()
        started = node.started.to_numpy()
        is_heavy = (node.user < heavy).to_numpy()
        run_time = node.run_time.to_numpy()
        for i in range(len(node)):
            t = started[i]
            waiting = (matched <= t) & (started > t)
            if waiting[is_heavy != is_heavy[i]].any():
                given[bool(is_heavy[i])] += run_time[i]
    total = given[True] + given[False]
    return given[True] / total if total > 0 else float("nan")


def heavy_share_first_hour(jobs, heavy):
    """The heavy users' part of the run time started in the hour after both classes first submitted (nan if none)."""
    done = jobs[jobs.status == "completed"]
    is_heavy = done.user < heavy
    if heavy == 0 or is_heavy.all() or not is_heavy.any():
        return float("nan")
    start = max(jobs.submit[jobs.user < heavy].min(), jobs.submit[jobs.user >= heavy].min())
    inside = done[(done.started >= start) & (done.started < start + 3600.0)]
    total = float(inside.run_time.sum())
    return float(inside.run_time[inside.user < heavy].sum()) / total if total > 0 else float("nan")


def _setting(run, key, default=None):
    node = run.config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def user_figures(run):
    """UserFigures of one loaded run (p2pgrid_post.load)."""
    jobs = run["jobs"]
    if "user" not in jobs.columns:
        raise ValueError(f"{run.path}: the jobs table has no user column (a trace older than p2pgrid 0.3)")
    heavy = int(_setting(run, "workload.heavy_users", 0)) if _setting(run, "workload.users") == "sweeps" else 0
    table = per_user(jobs)
    light = table[table.index >= heavy]
    heavy_rows = table[table.index < heavy]
    done = jobs[jobs.status == "completed"]
    span = float(done.finished.max() - jobs.submit.min()) if len(done) else float("nan")
    rates = 1.0 / table.slowdown.dropna()
    sweeps = _setting(run, "workload.users") == "sweeps"
    weights = (f"{float(_setting(run, 'workload.heavy_weight', 1.0)):g}:{float(_setting(run, 'workload.light_weight', 1.0)):g}"
               if sweeps else "1:1")

    def mean_of(frame, column):
        weights = frame.completed.to_numpy()
        values = frame[column].to_numpy(dtype=float)
        ok = weights > 0
        return float(np.average(values[ok], weights=weights[ok])) if ok.any() else float("nan")

    return UserFigures(
        path=run.path, matchmaker=str(_setting(run, "match.kind", "?")), queue=str(_setting(run, "grid.queue", "fifo")),
        weights=weights, seed=str(_setting(run, "run.seed", "-")),
        users=len(table), light_users=len(light), jobs=len(jobs), completed=len(done),
        # Means over jobs (each user weighted by its completed jobs), as "the
        # light users' mean slowdown" reads.
        light_slowdown=mean_of(light, "slowdown"), heavy_slowdown=mean_of(heavy_rows, "slowdown"),
        light_wait=mean_of(light, "wait"), heavy_wait=mean_of(heavy_rows, "wait"), jain=jain(rates),
        throughput_per_h=len(done) / span * 3600 if span > 0 else float("nan"), makespan=span,
        heavy_share=heavy_share(jobs, heavy), heavy_share_1h=heavy_share_first_hour(jobs, heavy))


def workflows(run):
    """One row per workflow: jobs, first submit, makespan, critical-path bound, ratio, completed (all jobs)."""
    jobs = run["jobs"].set_index("job")
    edges = run["dependencies"] if "dependencies" in run else pd.DataFrame(columns=["job", "parent"])
    parent = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    children = {}
    for child, par in zip(edges.job.to_numpy(), edges.parent.to_numpy()):
        child, par = int(child), int(par)
        parent[find(child)] = find(par)
        children.setdefault(par, []).append(child)
    groups = {}
    for j in parent:
        groups.setdefault(find(j), []).append(j)
    rows = []
    for members in groups.values():
        members = sorted(members)
        sub = jobs.loc[members]
        # Longest run-time path: jobs in id order are in plan order, parents first.
        longest = {}
        for j in members:
            longest[j] = longest.get(j, 0.0) + float(sub.run_time[j])
            for c in children.get(j, ()):
                longest[c] = max(longest.get(c, 0.0), longest[j])
        bound = max(longest.values())
        complete = bool((sub.status == "completed").all())
        makespan = float(sub.finished.max() - sub.submit.min()) if complete else float("nan")
        rows.append({"first_job": members[0], "jobs": len(members), "submit": float(sub.submit.min()),
                     "makespan": makespan, "critical_path": bound,
                     "ratio": makespan / bound if bound > 0 else float("nan"), "completed": complete})
    return pd.DataFrame(rows, columns=["first_job", "jobs", "submit", "makespan", "critical_path", "ratio",
                                       "completed"])


def _fmt(v, digits=2):
    return "-" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{digits}f}"


FAIRNESS_COLUMNS = ("matchmaker", "queue", "weights", "seed", "users", "jobs", "completed", "light_slowdown",
                    "heavy_slowdown", "light_wait_s", "heavy_wait_s", "jain", "throughput_per_h", "makespan_s",
                    "heavy_share", "heavy_share_1h")


def fairness_rows(figures):
    for f in figures:
        yield (f.matchmaker, f.queue, f.weights, f.seed, str(f.users), str(f.jobs), str(f.completed),
               _fmt(f.light_slowdown), _fmt(f.heavy_slowdown), _fmt(f.light_wait, 0), _fmt(f.heavy_wait, 0),
               _fmt(f.jain, 3), _fmt(f.throughput_per_h, 0), _fmt(f.makespan, 0), _fmt(f.heavy_share, 3),
               _fmt(f.heavy_share_1h, 3))


# (column, attribute, digits) of the per-cell table.
CELL_STATS = (("light slowdown", "light_slowdown", 2), ("light wait (s)", "light_wait", 0),
              ("heavy slowdown", "heavy_slowdown", 2), ("Jain", "jain", 3),
              ("throughput (jobs/h)", "throughput_per_h", 0), ("makespan (s)", "makespan", 0),
              ("heavy share", "heavy_share", 3), ("heavy share 1st h", "heavy_share_1h", 3))


def cell_rows(figures):
    """One row per (matchmaker, queue, weights): runs, completed/jobs, and each statistic's mean (min-max) over the runs."""
    cells = {}
    for f in figures:
        cells.setdefault((f.matchmaker, f.queue, f.weights), []).append(f)
    for key, runs in cells.items():
        row = [*key, str(len(runs)), f"{sum(r.completed for r in runs)}/{sum(r.jobs for r in runs)}"]
        for _, attr, digits in CELL_STATS:
            values = np.array([getattr(r, attr) for r in runs], dtype=float)
            values = values[np.isfinite(values)]
            if len(values) == 0:
                row.append("-")
            elif len(values) == 1:
                row.append(_fmt(float(values[0]), digits))
            else:
                row.append(f"{_fmt(float(values.mean()), digits)} ({_fmt(float(values.min()), digits)}-"
                           f"{_fmt(float(values.max()), digits)})")
        yield tuple(row)


CELL_COLUMNS = ("matchmaker", "queue", "weights", "runs", "completed", *(c for c, _, _ in CELL_STATS))


def fairness_table(figures, markdown=False, cells=False):
    columns, rows = (CELL_COLUMNS, list(cell_rows(figures))) if cells else (FAIRNESS_COLUMNS, list(fairness_rows(figures)))
    if markdown:
        out = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
        return out + "".join("| " + " | ".join(r) + " |\n" for r in rows)
    return "".join(" ".join(f"{c:>16s}" for c in r) + "\n" for r in [columns, *rows])


def fairness_plot(runs, output):
    """Per-user mean slowdown and wait of each run, one column of points per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(max(6, 1.2 * len(runs) + 3), 4))
    names = []
    for i, run in enumerate(runs):
        f = user_figures(run)
        table = per_user(run["jobs"])
        names.append(f"{f.matchmaker}\n{f.queue}" + ("" if f.weights == "1:1" else f"\n{f.weights}"))
        for ax, column in zip(axes, ("slowdown", "wait")):
            ax.scatter(np.full(len(table), i) + np.linspace(-0.2, 0.2, len(table)), table[column], s=8)
    for ax, label in zip(axes, ("mean slowdown per user", "mean wait per user (s)")):
        ax.set_xticks(range(len(runs)), names, fontsize="small")
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(output, dpi=120)
    plt.close(fig)


def workflow_plot(frame, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    done = frame[frame.completed]
    ax.scatter(done.critical_path, done.makespan, s=10)
    top = float(max(done.makespan.max(), done.critical_path.max())) if len(done) else 1.0
    ax.plot([0, top], [0, top], color="grey", lw=1, label="makespan = critical path")
    ax.set_xlabel("critical-path bound (s)")
    ax.set_ylabel("workflow makespan (s)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(output, dpi=120)
    plt.close(fig)
