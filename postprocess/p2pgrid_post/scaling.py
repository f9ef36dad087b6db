"""The scaling table and plot from `p2pgrid bench --csv` rows (scripts/scale-bench.sh).

A row is one launch: one scenario on some ranks. Repeated launches of the same
(scenario, ranks) are summarised by their median wall time; speedup is the
1-rank median wall over the n-rank median wall of the same scenario."""

import csv
import statistics
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .reader import TraceError  # noqa: E402

COLUMNS = ("scenario", "protocol", "peers", "ranks", "sim_seconds", "events", "wall_seconds",
           "events_per_second_per_rank", "peak_rss_bytes_per_rank", "bytes_per_peer", "windows_per_sim_second",
           "remote_message_share")
_INTEGER = {"peers", "ranks", "events", "peak_rss_bytes_per_rank"}
_TEXT = {"scenario", "protocol"}


@dataclass
class Point:
    scenario: str
    protocol: str
    peers: int
    ranks: int
    runs: int
    events: int
    wall: float          # median over runs, seconds
    rate: float          # events / wall / ranks
    bytes_per_peer: float
    remote_share: float
    speedup: float       # 1-rank median wall / this wall; nan without a 1-rank row


def read_rows(path):
    """Rows as dicts of typed values; TraceError naming the file, line and column on bad input."""
    try:
        f = open(path, newline="", encoding="utf-8")
    except OSError as e:
        raise TraceError(f"{path}: cannot open: {e.strerror}") from None
    with f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or tuple(reader.fieldnames) != COLUMNS:
            raise TraceError(f"{path}:1: expected the header of p2pgrid bench --csv ({','.join(COLUMNS)}), "
                             f"got {','.join(reader.fieldnames or [])!r}")
        rows = []
        for row in reader:
            typed = {}
            for name in COLUMNS:
                text = row.get(name)
                if text is None or text == "":
                    raise TraceError(f"{path}:{reader.line_num}: column '{name}' is missing")
                try:
                    typed[name] = text if name in _TEXT else int(text) if name in _INTEGER else float(text)
                except ValueError:
                    raise TraceError(f"{path}:{reader.line_num}: column '{name}': '{text}' is not a number") from None
            if typed["peers"] < 1 or typed["ranks"] < 1 or typed["wall_seconds"] < 0:
                raise TraceError(f"{path}:{reader.line_num}: peers and ranks must be positive, wall time not negative")
            rows.append(typed)
    if not rows:
        raise TraceError(f"{path}: no rows")
    return rows


def scaling_points(rows):
    """One Point per (scenario, peers, ranks), ordered by protocol, peers, ranks. The
    peer count is part of the key: scaling.sbatch's weak runs keep the scenario
    and change peers.count, and a speedup compares like with like."""
    groups = {}
    for r in rows:
        groups.setdefault((r["scenario"], r["peers"], r["ranks"]), []).append(r)
    walls = {k: statistics.median(r["wall_seconds"] for r in g) for k, g in groups.items()}
    points = []
    for (scenario, peers, ranks), g in groups.items():
        first = g[0]
        events = {r["events"] for r in g}
        if len(events) != 1:
            raise TraceError(f"scenario {scenario} on {ranks} rank(s): event counts differ between runs "
                             f"({sorted(events)}): not the same scenario")
        wall = walls[(scenario, peers, ranks)]
        base = walls.get((scenario, peers, 1))
        points.append(Point(scenario, first["protocol"], first["peers"], ranks, len(g), first["events"], wall,
                            first["events"] / wall / ranks if wall > 0 else float("nan"),
                            statistics.median(r["bytes_per_peer"] for r in g),
                            statistics.median(r["remote_message_share"] for r in g),
                            base / wall if base is not None and wall > 0 else float("nan")))
    points.sort(key=lambda p: (p.protocol, p.peers, p.ranks))
    return points


def markdown(points):
    lines = ["| scenario | protocol | peers | ranks | runs | events | wall s (median) | events/s per rank "
             "| bytes/peer | remote | speedup |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in points:
        speedup = "-" if p.speedup != p.speedup else f"{p.speedup:.2f}x"
        lines.append(f"| {p.scenario} | {p.protocol} | {p.peers:,} | {p.ranks} | {p.runs} | {p.events:,} "
                     f"| {p.wall:.2f} | {p.rate / 1e6:.2f} M | {p.bytes_per_peer:,.0f} | {100 * p.remote_share:.0f}% "
                     f"| {speedup} |")
    return "\n".join(lines) + "\n"


def plot(points, out_png):
    """(a) events/s per rank, (b) bytes per peer, (c) speedup over 1 rank; each against peers, one line per
    protocol and rank count."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    series = {}
    for p in points:
        series.setdefault((p.protocol, p.ranks), []).append(p)
    protocols = sorted({p.protocol for p in points})
    for (protocol, ranks), ps in sorted(series.items()):
        color = f"C{protocols.index(protocol)}"
        style = "-" if ranks == 1 else "--" if ranks == 2 else ":"
        label = f"{protocol}, {ranks} rank{'s' if ranks > 1 else ''}"
        x = [p.peers for p in ps]
        axes[0].plot(x, [p.rate / 1e6 for p in ps], style, marker="o", color=color, label=label)
        axes[1].plot(x, [p.bytes_per_peer for p in ps], style, marker="o", color=color, label=label)
        if ranks > 1:
            axes[2].plot(x, [p.speedup for p in ps], style, marker="o", color=color, label=label)
    axes[0].set_ylabel("million events/s per rank")
    axes[1].set_ylabel("bytes per peer (peak RSS x ranks / peers)")
    axes[2].set_ylabel("speedup over 1 rank (median wall)")
    for target, ax in ((2.0, axes[0]), (4096, axes[1]), (1.7, axes[2])):
        ax.axhline(target, color="grey", linewidth=0.8, linestyle=":")
    for ax, title in zip(axes, ("(a) speed", "(b) memory", "(c) 2 ranks vs 1")):
        ax.set_xscale("log")
        ax.set_xlabel("peers")
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
