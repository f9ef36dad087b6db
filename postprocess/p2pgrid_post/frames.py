"""A whole trace as pandas DataFrames: ``load(path)``.

Conversions, from the attributes the writer stores with every table
(docs/trace-schema.md):

- columns in ``ns`` become float64 **seconds** (their unit then reads ``s``);
  the "never" value (-1) becomes NaN;
- enumerations (HDF5 enum types) become pandas **categoricals** with the
  writer's names (``jobs.status``: completed, failed, open_at_end);
- other columns with a "none" value (peer ids, 4294967295) become pandas
  nullable integers, with ``<NA>`` for none;
- every DataFrame's ``.attrs`` holds the run's root attributes (str and int)
  plus ``table``, ``doc`` and ``units`` (column -> unit after conversion).
"""

import h5py
import numpy as np
import pandas as pd

from .reader import open_trace

_NULLABLE = {np.dtype("uint32"): "UInt32", np.dtype("uint64"): "UInt64", np.dtype("int64"): "Int64",
             np.dtype("int32"): "Int32", np.dtype("uint8"): "UInt8"}


class Run(dict):
    """The tables of one run by name (``run["jobs"]``), plus ``attrs`` (the
    run's root attributes), ``config`` (the resolved configuration as a dict)
    and ``path``."""

    def __init__(self, path, tables, attrs, config):
        super().__init__(tables)
        self.path = path
        self.attrs = attrs
        self.config = config

    def __getattr__(self, name):  # run.jobs as well as run["jobs"]
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _frame(trace, name, run_attrs):
    ds = trace._file[name]
    info = trace.table_info(name)
    rows = trace.table(name)
    columns = list(rows.dtype.names)
    units = dict(zip(columns, info.get("units", [""] * len(columns))))
    missing = dict(zip(columns, info.get("missing", [""] * len(columns))))
    data = {}
    for col in columns:
        values = rows[col]
        field_type = ds.dtype.fields[col][0]
        enum = h5py.check_enum_dtype(field_type)
        none = missing.get(col, "")
        if enum is not None:
            names = {v: k for k, v in enum.items()}
            order = [names[v] for v in sorted(names)]
            data[col] = pd.Categorical([names.get(int(v), None) for v in values], categories=order)
        elif units.get(col) == "ns":
            seconds = values.astype(np.float64) * 1e-9
            if none:
                seconds[values == int(none)] = np.nan
            data[col] = seconds
            units[col] = "s"
        elif none and values.dtype in _NULLABLE:
            series = pd.array(values, dtype=_NULLABLE[values.dtype])
            series[values == values.dtype.type(int(none))] = pd.NA
            data[col] = series
        else:
            data[col] = values
    frame = pd.DataFrame(data, columns=columns)
    frame.attrs.update(run_attrs)
    frame.attrs.update(table=name, doc=info.get("doc", ""), units=units)
    return frame


def load(path, allow_incomplete=False):
    """Every table of the trace at ``path`` as a DataFrame, in a ``Run``
    (a dict by table name). Raises TraceError for a file that is not a
    readable p2pgrid trace, or an incomplete one unless ``allow_incomplete``."""
    with open_trace(path, allow_incomplete=allow_incomplete) as trace:
        attrs = dict(trace.attrs)
        tables = {name: _frame(trace, name, attrs) for name in trace.tables}
        return Run(trace.path, tables, attrs, trace.config)
