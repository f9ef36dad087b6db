"""Fixtures: the harness binary, the jobs tool and mpiexec, passed by CTest
(--p2pgrid, --jobs-tool, --mpiexec) or found in build/*/."""

import glob
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))  # the package, without installing it
sys.path.insert(0, HERE)

MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_btl_vader_single_copy_mechanism": "none", "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def pytest_addoption(parser):
    parser.addoption("--p2pgrid", help="path of the p2pgrid binary")
    parser.addoption("--jobs-tool", help="path of p2pgrid_trace_jobs_tool")
    parser.addoption("--mpiexec", default=shutil.which("mpiexec") or "mpiexec")


def _find(config, option, pattern):
    path = config.getoption(option)
    if not path:
        found = sorted(glob.glob(os.path.join(ROOT, "build", "*", pattern)), key=os.path.getmtime)
        path = found[-1] if found else None
    if not path or not os.path.exists(path):
        pytest.fail(f"{option}: binary not found (pass {option}=PATH; looked for build/*/{pattern})")
    return path


class Launcher:
    def __init__(self, mpiexec, binary):
        self.mpiexec = mpiexec
        self.binary = binary
        self.env = dict(os.environ, **MPI_ENV)

    def argv(self, ranks, *args):
        return [self.mpiexec, "-n", str(ranks), "--oversubscribe", self.binary, *map(str, args)]

    def run(self, ranks, *args, check=True):
        r = subprocess.run(self.argv(ranks, *args), env=self.env, capture_output=True, text=True, timeout=240)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(self.argv(ranks, *args))} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def start(self, ranks, *args):
        return subprocess.Popen(self.argv(ranks, *args), env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)


@pytest.fixture(scope="session")
def harness(pytestconfig):
    return Launcher(pytestconfig.getoption("--mpiexec"), _find(pytestconfig, "--p2pgrid", "src/app/p2pgrid"))


@pytest.fixture(scope="session")
def jobs_tool(pytestconfig):
    return Launcher(pytestconfig.getoption("--mpiexec"),
                    _find(pytestconfig, "--jobs-tool", "tests/trace/p2pgrid_trace_jobs_tool"))


@pytest.fixture(scope="session")
def phold_config():
    return os.path.join(ROOT, "configs", "phold-small.toml")


@pytest.fixture(scope="session")
def phold_traces(harness, phold_config, tmp_path_factory):
    """The same scenario on 1 and 4 ranks: {ranks: path}."""
    d = tmp_path_factory.mktemp("phold")
    out = {}
    for n in (1, 4):
        out[n] = str(d / f"phold-np{n}.h5")
        harness.run(n, "run", phold_config, "-o", out[n])
    return out


#: Rows of the two-rank-count jobs traces (job_traces[1], job_traces[4]).
JOBS = 2000
#: Seeds of the 500-job synthetic traces per (matchmaker, scenario).
SYNTHETIC_SEEDS = {("rntree", "light"): 3, ("can", "light"): 4, ("central", "light"): 5, ("rntree", "heavy"): 6,
                   ("can", "heavy"): 7}


@pytest.fixture(scope="session")
def job_traces(jobs_tool, tmp_path_factory):
    """Synthetic jobs tables through the real writer: {1: path, 4: path} (JOBS rows, seed 3,
    on 1 and 4 ranks) and {(matchmaker, scenario): path} (500 rows, SYNTHETIC_SEEDS, 2 ranks)."""
    d = tmp_path_factory.mktemp("jobs")
    out = {}
    for n in (1, 4):
        out[n] = str(d / f"jobs-np{n}.h5")
        jobs_tool.run(n, out[n], "--jobs", JOBS, "--seed", 3, "--batch", 64)
    for (mm, scen), seed in SYNTHETIC_SEEDS.items():
        out[(mm, scen)] = str(d / f"{mm}-{scen}.h5")
        jobs_tool.run(2, out[(mm, scen)], "--jobs", 500, "--seed", seed, "--matchmaker", mm, "--scenario", scen)
    return out


def run_module(*args, check=True):
    """python3 -m p2pgrid_post ARGS, from postprocess/."""
    r = subprocess.run([sys.executable, "-m", "p2pgrid_post", *map(str, args)], cwd=os.path.dirname(HERE),
                       capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"p2pgrid_post {' '.join(map(str, args))} failed:\n{r.stdout}\n{r.stderr}")
    return r
