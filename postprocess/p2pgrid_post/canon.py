"""The canonical text dump: placement-independent, sorted, to compare runs
on different rank counts (the same role as canonical_text in C++)."""

import numpy as np

#: Columns that depend on how peers were placed on ranks, not on the run.
PLACEMENT_COLUMNS = {"engine": None, "nodes": ("rank",)}  # None: the whole table


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(int(v))


def canonical_lines(trace, name):
    rows = trace.table(name)
    skip = PLACEMENT_COLUMNS.get(name, ())
    columns = [c for c in rows.dtype.names if c not in (skip or ())]
    keys = int(trace.table_info(name).get("key_fields", 1))
    values = [tuple(r[c].item() for c in columns) for r in rows]
    values.sort(key=lambda t: (t[:keys], t))
    return [" ".join(f"{c}={_fmt(v)}" for c, v in zip(columns, t)) for t in values]


def canonical_text(trace, tables=None):
    names = tables or [t for t in trace.tables if PLACEMENT_COLUMNS.get(t, ()) is not None]
    out = []
    for name in sorted(names):
        out.append(f"# {name}")
        out.extend(canonical_lines(trace, name))
    return "\n".join(out) + "\n"
