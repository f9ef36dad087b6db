"""Command line: p2pgrid-post (or python3 -m p2pgrid_post)
{summary,figure2,ratios,load,traffic,recovery,compare,gantt,canon,scaling,fairness,workflows} ...

Exit status: 0 success, 1 ``compare`` found a difference, 2 bad input."""

import argparse
import sys

from .canon import PLACEMENT_COLUMNS, canonical_text
from .fairness import fairness_plot, fairness_table, user_figures, workflow_plot, workflows
from .frames import load
from .plots import figure2, gantt
from .reader import TraceError, open_trace
# The module by path: the package's `load` is frames.load, a function.
from .load import load_points, load_run
from .load import markdown as load_markdown
from .load import plot as load_plot
from . import recovery, traffic
from .results import figure2_cells, ratios_to, run_figures, same_seed_runs
from .scaling import markdown as scaling_markdown
from .scaling import plot as scaling_plot
from .scaling import read_rows, scaling_points
from .stats import key_figures
from .table import markdown_table, ratio_markdown, ratio_wide_markdown, text_table


def _positive(text):
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return n


def _open(path, args):
    return open_trace(path, allow_incomplete=args.allow_incomplete)


def cmd_summary(args):
    with _open(args.trace, args) as t:
        for name, value in key_figures(t):
            print(f"{name:24s} {value}")


def cmd_compare(args):
    with _open(args.a, args) as a, _open(args.b, args) as b:
        fa, fb = dict(key_figures(a)), dict(key_figures(b))
        names = list(dict.fromkeys([n for n, _ in key_figures(a)] + [n for n, _ in key_figures(b)]))
        print(f"{'':24s} {args.a:>28s} {args.b:>28s}")
        for n in names:
            va, vb = fa.get(n, "-"), fb.get(n, "-")
            mark = "" if va == vb else "  *"
            print(f"{n:24s} {str(va):>28s} {str(vb):>28s}{mark}")
        # Key figures such as ranks, hosts and wall time differ between
        # equivalent runs; the verdict is the canonical tables'.
        different = sorted(set(a.tables) ^ set(b.tables))
        for name in different:
            print(f"canonical {name:14s} only in {args.a if name in a.tables else args.b}")
        for name in sorted(set(a.tables) & set(b.tables)):
            if PLACEMENT_COLUMNS.get(name, ()) is None:
                continue  # placement-dependent as a whole (engine statistics)
            try:
                same = canonical_text(a, [name]) == canonical_text(b, [name])
            except KeyError:
                continue
            print(f"canonical {name:14s} {'identical' if same else 'DIFFERENT'}")
            if not same:
                different.append(name)
    return 1 if different else 0


def cmd_figure2(args):
    runs = []
    for path in args.traces:
        with _open(path, args) as t:
            r = run_figures(t, peers=args.peers)
        if r.peers is None:
            print(f"p2pgrid_post: warning: {path}: no peers.count in the stored config; load balance left out "
                  f"(pass --peers N)", file=sys.stderr)
        runs.append(r)
    for a, b in same_seed_runs(runs):
        print(f"p2pgrid_post: warning: {a.path} and {b.path}: the same scenario, matchmaker and seed {a.seed}, "
              f"pooled as if independent replications", file=sys.stderr)
    cells = figure2_cells(runs)
    figure2(cells, args.output)
    sys.stdout.write(markdown_table(cells) if args.markdown else text_table(cells))
    if not args.markdown:
        print(f"figure: {args.output}")


def _cells(args):
    runs = []
    for path in args.traces:
        with _open(path, args) as t:
            runs.append(run_figures(t))
    return figure2_cells(runs, by=getattr(args, "by", ()))


def cmd_ratios(args):
    ratios = ratios_to(_cells(args), baseline=args.baseline)
    ratios.sort(key=lambda r: (tuple(r.labels.get(k, "") for k in args.by), r.scenario, r.matchmaker))
    if args.wide:
        if not args.by:
            print("p2pgrid_post ratios: --wide needs at least one --by KEY (its values are the columns)", file=sys.stderr)
            sys.exit(2)
        sys.stdout.write(ratio_wide_markdown(ratios, by=args.by))
    else:
        sys.stdout.write(ratio_markdown(ratios, by=args.by))


def cmd_load(args):
    runs = []
    for path in args.traces:
        with _open(path, args) as t:
            runs.append(load_run(t, warmup=args.warmup))
    points = load_points(runs)
    load_plot(points, args.output)
    sys.stdout.write(load_markdown(points))


def cmd_traffic(args):
    rows = []
    for path in args.traces:
        with _open(path, args) as t:
            rows.extend(traffic.run_traffic(t))
    sys.stdout.write(traffic.markdown(rows))


def cmd_recovery(args):
    runs = []
    for path in args.traces:
        with _open(path, args) as t:
            runs.append(recovery.run_recovery(t))
    sys.stdout.write(recovery.markdown(recovery.cells(runs)))


def cmd_gantt(args):
    with _open(args.trace, args) as t:
        bars = gantt(t, args.output, max_nodes=args.max_nodes)
    print(f"{bars} jobs drawn; figure: {args.output}")


def cmd_canon(args):
    with _open(args.trace, args) as t:
        text = canonical_text(t, args.table or None)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def cmd_scaling(args):
    rows = []
    for path in args.csv:
        rows.extend(read_rows(path))
    points = scaling_points(rows)
    scaling_plot(points, args.output)
    sys.stdout.write(scaling_markdown(points))
    print(f"figure: {args.output}")


def cmd_fairness(args):
    runs = [load(path, allow_incomplete=args.allow_incomplete) for path in args.traces]
    try:
        figures = [user_figures(r) for r in runs]
    except ValueError as e:
        raise TraceError(str(e)) from None
    sys.stdout.write(fairness_table(figures, markdown=args.markdown, cells=args.cells))
    fairness_plot(runs, args.output)
    if not args.markdown:
        print(f"figure: {args.output}")


def cmd_workflows(args):
    run = load(args.trace, allow_incomplete=args.allow_incomplete)
    if "dependencies" not in run:
        raise TraceError(f"{args.trace}: no dependencies table (the run had no workflows)")
    frame = workflows(run)
    done = frame[frame.completed]
    print(f"workflows {len(frame)}, completed {len(done)}")
    if len(done):
        r = done.ratio
        print(f"makespan / critical path: mean {r.mean():.3f}, median {r.median():.3f}, "
              f"p95 {r.quantile(0.95):.3f}, max {r.max():.3f}, min {r.min():.3f}")
    workflow_plot(frame, args.output)
    print(f"figure: {args.output}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="p2pgrid-post", description="Read and plot p2pgrid HDF5 traces.",
                                epilog="exit status: 0 ok, 1 compare found a difference, 2 bad input")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="read traces of runs that did not finish (rows up to the last flush)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("summary", help="the run's key figures")
    s.add_argument("trace")
    s.set_defaults(func=cmd_summary)
    s = sub.add_parser("compare", help="two traces side by side; exit 1 if a canonical table differs")
    s.add_argument("a")
    s.add_argument("b")
    s.set_defaults(func=cmd_compare)
    s = sub.add_parser("figure2", help="job wait, matchmaking cost and load balance per matchmaker per scenario "
                                       "(PNG and table)")
    s.add_argument("traces", nargs="+")
    s.add_argument("-o", "--output", default="figure2.png")
    s.add_argument("--markdown", action="store_true", help="print the table as Markdown (for docs/results.md)")
    s.add_argument("--peers", type=_positive, metavar="N",
                   help="number of peers of traces whose stored config has no peers.count (load balance)")
    s.set_defaults(func=cmd_figure2)
    s = sub.add_parser("ratios", help="each matchmaker's mean wait over the baseline's on the same seeds, with t "
                                      "intervals over seeds (Markdown)")
    s.add_argument("traces", nargs="+")
    s.add_argument("--baseline", default="central")
    s.add_argument("--by", action="append", default=[], metavar="KEY",
                   help="a config key to show as a column (repeatable), e.g. workload.requirement_model")
    s.add_argument("--wide", action="store_true",
                   help="one row per scenario and matchmaker, one column per combination of the --by values")
    s.set_defaults(func=cmd_ratios)
    s = sub.add_parser("load", help="steady-state mean wait against offered load (PNG and Markdown)")
    s.add_argument("traces", nargs="+")
    s.add_argument("--warmup", type=float, default=0.2,
                   help="fraction of the arrival period discarded as warm-up (default 0.2)")
    s.add_argument("-o", "--output", default="load.png")
    s.set_defaults(func=cmd_load)
    s = sub.add_parser("traffic", help="messages and bytes per node per second by protocol role, and the busiest "
                                       "peers (runs with trace.traffic = true; Markdown)")
    s.add_argument("traces", nargs="+")
    s.set_defaults(func=cmd_traffic)
    s = sub.add_parser("recovery", help="from run-node crash to the job running again, per cell (Markdown)")
    s.add_argument("traces", nargs="+")
    s.set_defaults(func=cmd_recovery)
    s = sub.add_parser("gantt", help="jobs on run nodes over time (PNG)")
    s.add_argument("trace")
    s.add_argument("-o", "--output", default="gantt.png")
    s.add_argument("--max-nodes", type=int, default=60)
    s.set_defaults(func=cmd_gantt)
    s = sub.add_parser("canon", help="canonical text dump, sorted by key (compare rank counts)")
    s.add_argument("trace")
    s.add_argument("--table", action="append", help="only this table (repeatable)")
    s.add_argument("-o", "--output")
    s.set_defaults(func=cmd_canon)
    s = sub.add_parser("scaling", help="speed, memory and speedup against peers from p2pgrid bench --csv rows "
                                       "(PNG and Markdown table)")
    s.add_argument("csv", nargs="+")
    s.add_argument("-o", "--output", default="scaling.png")
    s.set_defaults(func=cmd_scaling)
    s = sub.add_parser("fairness", help="per-user slowdown and wait, Jain's index, throughput per run (PNG and "
                                        "table; docs/fairness.md)")
    s.add_argument("traces", nargs="+")
    s.add_argument("-o", "--output", default="fairness.png")
    s.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    s.add_argument("--cells", action="store_true",
                   help="one row per matchmaker, queue and weights: mean (min-max) over the runs (seeds)")
    s.set_defaults(func=cmd_fairness)
    s = sub.add_parser("workflows", help="each workflow's makespan against its critical-path bound (PNG)")
    s.add_argument("trace")
    s.add_argument("-o", "--output", default="workflows.png")
    s.set_defaults(func=cmd_workflows)
    args = p.parse_args(argv)
    try:
        return args.func(args) or 0
    except TraceError as e:
        print(f"p2pgrid_post: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
