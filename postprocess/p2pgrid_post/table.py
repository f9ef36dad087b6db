"""The results table of figure2: one row per (scenario, matchmaker), as
aligned text or as Markdown (docs/results.md includes the Markdown)."""

import math

#: (header, attribute, format in the text table, format in Markdown)
COLUMNS = (
    ("scenario", "scenario", "{}", "{}"),
    ("matchmaker", "matchmaker", "{}", "{}"),
    ("runs", "runs", "{:d}", "{:d}"),
    ("jobs", "jobs", "{:d}", "{:d}"),
    ("completed", "completed", "{:d}", "{:d}"),
    ("failed", "failed", "{:d}", "{:d}"),
    ("open", "open", "{:d}", "{:d}"),
    ("mean wait s", "wait_mean", "{:.6f}", "{:.1f}"),
    ("±95% s", "wait_ci95", "{:.6f}", "{:.1f}"),
    ("median wait s", "wait_median", "{:.6f}", "{:.1f}"),
    ("p95 wait s", "wait_p95", "{:.6f}", "{:.1f}"),
    ("binding/job", "binding", "{:.6f}", "{:.2f}"),
    ("hops/job", "hops_per_job", "{:.6f}", "{:.2f}"),
    ("messages/job", "messages_per_job", "{:.6f}", "{:.2f}"),
    ("jobs/node CV", "jobs_cv", "{:.6f}", "{:.3f}"),
    ("busy CV", "busy_cv", "{:.6f}", "{:.3f}"),
    ("max/mean busy", "busy_max_over_mean", "{:.6f}", "{:.2f}"),
)


def _cell(value, fmt):
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return fmt.format(value)


NOTE = ("wait: of every submitted job (started - submit; failed or open: ended - submit); mean wait = mean of the "
        "runs' means; ±95%: half-width of the 95% t interval over the run means (independent seeds), '-' for one "
        "run; open > 0: the run ended before those jobs did, so the mean is a lower bound. "
        "binding/job: constraints per job above the weakest node's value (they exclude some node). "
        "CV = std / mean over all peers, idle ones included.")


def text_table(cells):
    """Aligned columns, text left, numbers right; '-' where a figure is undefined."""
    rows = [[_cell(getattr(c, attr), fmt) for _, attr, fmt, _ in COLUMNS] for c in cells]
    heads = [h for h, *_ in COLUMNS]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads)]
    left = {0, 1}

    def line(values):
        return " ".join(v.ljust(w) if i in left else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

    return "\n".join([line(heads)] + [line(r) for r in rows] + ["", NOTE]) + "\n"


def markdown_table(cells):
    """A GitHub Markdown table (numbers right-aligned)."""
    heads = [h for h, *_ in COLUMNS]
    out = ["| " + " | ".join(heads) + " |",
           "|" + "|".join(":---" if i < 2 else "---:" for i in range(len(heads))) + "|"]
    for c in cells:
        values = [_cell(getattr(c, attr), fmt) for _, attr, _, fmt in COLUMNS]
        if c.open > 0:  # censored: the mean is a lower bound
            i = [attr for _, attr, _, _ in COLUMNS].index("wait_mean")
            values[i] = "≥ " + values[i]
        out.append("| " + " | ".join(values) + " |")
    return "\n".join(out + ["", NOTE]) + "\n"


def _interval(low, high, fmt):
    return "-" if math.isnan(low) else f"[{fmt.format(low)}, {fmt.format(high)}]"


def ratio_markdown(ratios, by=()):
    """Ratios to the baseline as a Markdown table; ``by`` adds a column per config key."""
    heads = ["scenario", "matchmaker", *by, "seeds", "ratio to central", "95% interval", "censored"]
    out = ["| " + " | ".join(heads) + " |", "|" + "|".join(":---" if i < 2 + len(by) else "---:"
                                                       for i in range(len(heads))) + "|"]
    for r in ratios:
        extra = [r.labels.get(k, "-").strip("'") for k in by]
        out.append("| " + " | ".join([r.scenario, r.matchmaker, *extra, str(r.pairs), f"{r.mean:.2f}",
                                      _interval(r.low, r.high, "{:.2f}"), "yes" if r.censored else "no"]) + " |")
    note = ("ratio: mean over seeds of (the matchmaker's mean wait / central's mean wait) on the same seed, every "
            "job counted; interval: Student's t over the per-seed ratios ('-' for one seed); censored: a run of "
            "either had jobs open at its end.")
    return "\n".join(out + ["", note]) + "\n"


def ratio_wide_markdown(ratios, by):
    """The same ratios with one column per combination of the ``by`` keys'
    values (the sensitivity table of docs/results.md): a cell reads
    "1.55 [1.07, 2.04]", "≥ " first when censored, and "n=K " first when it
    pools fewer seeds than the table's largest cell."""
    def combo(r):
        return tuple(r.labels.get(k, "-").strip("'") for k in by)

    columns = sorted({combo(r) for r in ratios})
    rows = sorted({(r.scenario, r.matchmaker) for r in ratios})
    cell = {(r.scenario, r.matchmaker, combo(r)): r for r in ratios}
    seeds = max((r.pairs for r in ratios), default=0)
    heads = ["scenario", "matchmaker", *("`" + "/".join(c) + "`" for c in columns)]
    out = ["| " + " | ".join(heads) + " |", "|:---|:---|" + "---:|" * len(columns)]
    for scenario, matchmaker in rows:
        texts = []
        for c in columns:
            r = cell.get((scenario, matchmaker, c))
            if r is None:
                texts.append("-")
                continue
            text = f"{r.mean:.2f} {_interval(r.low, r.high, '{:.2f}')}"
            if r.censored:
                text = "≥ " + text
            if r.pairs < seeds:
                text = f"n={r.pairs} " + text
            texts.append(text)
        out.append("| " + " | ".join([scenario, matchmaker, *texts]) + " |")
    note = (f"columns: {' / '.join(by)}; each cell: mean over {seeds} seeds of (the matchmaker's mean wait / "
            "central's mean wait) on the same seed, every job counted, with Student's t 95% interval over the "
            "per-seed ratios; ≥: a run of either had jobs open at its end; n=K: only K seeds.")
    return "\n".join(out + ["", note]) + "\n"
