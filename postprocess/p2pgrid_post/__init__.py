"""Postprocessing of p2pgrid HDF5 traces (see docs/trace-schema.md).

Run ``/usr/bin/python3 -m p2pgrid_post --help`` from the postprocess/ folder.
"""

from .reader import SUPPORTED_SCHEMA_VERSIONS, Trace, TraceError, open_trace

__all__ = ["SUPPORTED_SCHEMA_VERSIONS", "Trace", "TraceError", "open_trace"]
