"""Property tests of the trace reader (issue 18), with hypothesis: whatever
bytes a trace file holds, opening it and reading every table and setting
either works or raises TraceError naming the file; never another exception.

libhdf5 1.10.8 itself crashes (SIGSEGV) on some damaged object headers,
which no Python code can catch; each example therefore reads in a forked
child, and a child killed by a signal is counted, not failed
(docs/reliability.md). Any Python exception other than TraceError fails.

The number of examples is P2PGRID_HYPOTHESIS_EXAMPLES (default 150, the CI
pass); docs/reliability.md gives the command of a longer run. Examples are
derandomized, so a failure reproduces.
"""

import faulthandler
import os
import signal
import sys
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2pgrid_post import TraceError, open_trace
from p2pgrid_post.reader import parse_config

CRASHES = []  # libhdf5 crashes seen, for the summary
EXAMPLES = int(os.environ.get("P2PGRID_HYPOTHESIS_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def read_everything(path):
    with open_trace(path, allow_incomplete=True) as t:
        for name in t.tables:
            t.table(name)
            t.table_info(name)
        t.setting("match.kind")
        t.setting("run.seed")


@pytest.fixture(scope="module")
def trace_bytes(phold_traces):
    with open(phold_traces[1], "rb") as f:
        return f.read()


@SETTINGS
@given(data=st.data())
def test_corrupted_bytes_read_or_raise_trace_error(trace_bytes, tmp_path, data):
    damaged = bytearray(trace_bytes)
    for _ in range(data.draw(st.integers(1, 12), label="flips")):
        # Half the flips hit the first 16 KiB, where the superblock, the root
        # group and the datasets' headers live; rows are mostly raw data.
        top = min(len(damaged), 16384) if data.draw(st.booleans(), label="metadata") else len(damaged)
        at = data.draw(st.integers(0, top - 1), label="offset")
        damaged[at] = data.draw(st.integers(0, 255), label="byte")
    if data.draw(st.booleans(), label="truncate"):
        del damaged[data.draw(st.integers(0, len(damaged)), label="length"):]
    # A new name each time: HDF5 keeps state per open file name.
    path = tmp_path / f"damaged-{len(list(tmp_path.iterdir()))}.h5"
    path.write_bytes(bytes(damaged))
    pid = os.fork()
    if pid == 0:  # the child reads and reports by exit code only
        faulthandler.disable()  # a libhdf5 crash is expected here; no dump
        code = 0
        try:
            read_everything(path)
        except TraceError as e:
            code = 0 if str(e).startswith(f"{path}: ") else 3
        except BaseException:  # noqa: BLE001 -- the property under test
            traceback.print_exc()
            code = 4
        sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        CRASHES.append(signal.Signals(os.WTERMSIG(status)).name)
        return
    assert os.WEXITSTATUS(status) == 0, "TraceError without the file name" if os.WEXITSTATUS(
        status) == 3 else "an exception other than TraceError (traceback above)"


@SETTINGS
@given(st.text(max_size=2000))
def test_any_stored_config_text_parses_to_a_dict(text):
    assert isinstance(parse_config(text), dict)


@SETTINGS
@given(st.lists(st.sampled_from(["[run]", "[[faults]]", "[a.b]", "seed = 1", "x = \"y\"", "= 3", "[", "k = [1,",
                                 "# c", "a.b.c = true", "\x00", "[run]\nseed = 2"]), max_size=30))
def test_toml_like_config_text_parses_to_a_dict(lines):
    assert isinstance(parse_config("\n".join(lines)), dict)


def test_report_libhdf5_crashes():
    """Not a check: prints how many damaged files crashed libhdf5 (pytest -s)."""
    print(f"\nlibhdf5 crashed on {len(CRASHES)} damaged files: {sorted(set(CRASHES))}")
