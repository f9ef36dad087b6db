"""Postprocessing of p2pgrid HDF5 traces (see docs/trace-schema.md).

    import p2pgrid_post
    jobs = p2pgrid_post.load("run.h5")["jobs"]   # a pandas DataFrame, times in seconds

Command line: ``p2pgrid-post --help`` once installed (``pip install ./postprocess``),
or ``python3 -m p2pgrid_post --help``.
"""

from .frames import Run, load
from .reader import SUPPORTED_SCHEMA_VERSIONS, Trace, TraceError, open_trace

__version__ = "0.2.0"

__all__ = ["SUPPORTED_SCHEMA_VERSIONS", "Run", "Trace", "TraceError", "load", "open_trace", "__version__"]
