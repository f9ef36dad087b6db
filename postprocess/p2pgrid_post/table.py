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
    ("mean wait s", "wait_mean", "{:.6f}", "{:.1f}"),
    ("±95% s", "wait_ci95", "{:.6f}", "{:.1f}"),
    ("median wait s", "wait_median", "{:.6f}", "{:.1f}"),
    ("p95 wait s", "wait_p95", "{:.6f}", "{:.1f}"),
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


NOTE = ("±95%: half-width of the 95% t interval of the mean wait, over the run means (independent seeds) "
        "where runs > 1; where runs = 1, over the jobs as if independent, which understates it "
        "(jobs queue behind each other). CV = std / mean over all peers, idle ones included.")


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
        out.append("| " + " | ".join(_cell(getattr(c, attr), fmt) for _, attr, _, fmt in COLUMNS) + " |")
    return "\n".join(out + ["", NOTE]) + "\n"
