"""Reads a p2pgrid trace into numpy structured arrays, checking the schema version."""

import os

try:
    import tomllib
except ImportError:  # Python < 3.11: the same parser as a package
    import tomli as tomllib

import h5py
import numpy as np

#: File layouts this reader understands (root attribute ``schema_version``).
SUPPORTED_SCHEMA_VERSIONS = (1, 2)

#: Marks "no peer" in peer columns such as jobs.run_node.
NO_PEER = 0xFFFFFFFF


class TraceError(Exception):
    """A trace that cannot be read, with the file and the reason."""


#: What h5py raises for a damaged file besides OSError: a corrupt datatype
#: or object header surfaces as any of these (found by the property tests).
_H5_ERRORS = (OSError, KeyError, TypeError, ValueError, RuntimeError, AttributeError, IndexError, UnicodeError,
              OverflowError, MemoryError)


class _Damaged:
    """Turns any h5py failure inside the block into TraceError naming the file."""

    def __init__(self, path, what):
        self.path, self.what = path, what

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if kind is not None and issubclass(kind, _H5_ERRORS) and not issubclass(kind, TraceError):
            raise TraceError(f"{self.path}: damaged file: cannot read {self.what} ({kind.__name__}: {exc})") from None
        return False


def _text(value):
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [_text(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def parse_config(text):
    """The resolved config (TOML) as a dict. Tolerates a section header that
    appears twice (older writers emitted one) by merging the pieces."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        merged = {}
        section = merged
        for line in text.splitlines():
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if s.startswith("[[") or s.startswith("["):
                name = s.strip("[]").strip()
                section = merged
                for part in name.split("."):
                    section = section.setdefault(part, {})
                continue
            try:
                section.update(tomllib.loads(s))
            except tomllib.TOMLDecodeError:
                continue
        return merged


class Trace:
    """An open trace file. Use as a context manager or call close()."""

    def __init__(self, path, allow_incomplete=False):
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise TraceError(f"{self.path}: no such file")
        try:
            self._file = h5py.File(self.path, "r")
        except _H5_ERRORS as e:
            raise TraceError(f"{self.path}: not a readable HDF5 file ({e})") from None
        try:
            with _Damaged(self.path, "the root attributes"):
                self._check(allow_incomplete)
        except TraceError:
            self._file.close()
            raise

    def _check(self, allow_incomplete):
        self.attrs = {k: _text(v) for k, v in self._file.attrs.items()}
        if "schema_version" not in self.attrs:
            raise TraceError(f"{self.path}: not a p2pgrid trace (no 'schema_version' root attribute)")
        try:
            self.schema_version = int(self.attrs["schema_version"])
        except (TypeError, ValueError):
            raise TraceError(f"{self.path}: schema_version {self.attrs['schema_version']!r} is not a number") from None
        if self.schema_version not in SUPPORTED_SCHEMA_VERSIONS:
            raise TraceError(
                f"{self.path}: schema version {self.schema_version}; this reader understands "
                f"{', '.join(map(str, SUPPORTED_SCHEMA_VERSIONS))}")
        self.complete = int(self.attrs.get("complete", 0)) == 1
        if not self.complete and not allow_incomplete:
            raise TraceError(
                f"{self.path}: the run did not finish cleanly (complete = 0): it holds the rows up to its "
                f"last flush only; pass allow_incomplete=True (--allow-incomplete) to read them anyway")
        config = self.attrs.get("config", "")
        self.config = parse_config(config if isinstance(config, str) else "")

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def tables(self):
        """Names of the tables (datasets) in the file, sorted."""
        with _Damaged(self.path, "the list of tables"):
            return sorted(k for k, v in self._file.items() if isinstance(v, h5py.Dataset))

    def has(self, name):
        return name in self.tables

    def table(self, name, columns=None):
        """All rows of a table as a numpy structured array."""
        if name not in self._file:
            raise TraceError(f"{self.path}: no table '{name}' (tables: {', '.join(self.tables)})")
        with _Damaged(self.path, f"table '{name}'"):
            ds = self._file[name]
            if ds.dtype.names is None:
                raise TraceError(f"{self.path}: '{name}' is not a table of rows (dtype {ds.dtype})")
            if columns:
                missing = [c for c in columns if c not in ds.dtype.names]
                if missing:
                    raise TraceError(f"{self.path}: table '{name}' lacks column(s) {', '.join(missing)}")
            return ds[()] if ds.shape != (0,) else np.zeros(0, dtype=ds.dtype)

    def table_info(self, name):
        """Documentation attributes of a table: doc, key_fields, recorded, columns, units, column_docs."""
        with _Damaged(self.path, f"the attributes of table '{name}'"):
            ds = self._file[name]
            return {k: _text(v) for k, v in ds.attrs.items()}

    def setting(self, dotted, default=None):
        """A key of the stored config, e.g. 'match.kind'."""
        node = self.config
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


def open_trace(path, allow_incomplete=False):
    return Trace(path, allow_incomplete=allow_incomplete)
