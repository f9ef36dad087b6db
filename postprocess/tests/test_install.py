"""The analysis package as a researcher installs it: pip into a fresh virtual
environment (offline: Debian's packages provide the dependencies), then run
from a directory that is not postprocess/."""

import os
import shutil
import subprocess

from conftest import ROOT


def test_pip_install_into_a_venv_and_run_from_elsewhere(phold_traces, tmp_path):
    # A copy: an in-tree build would leave build/ and *.egg-info in the repository.
    src = tmp_path / "src"
    shutil.copytree(os.path.join(ROOT, "postprocess"), src,
                    ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    env_dir = tmp_path / "env"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(env_dir)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    pip = subprocess.run([str(env_dir / "bin" / "pip"), "install", "--no-build-isolation", "--no-deps",
                          "--no-index", str(src)], env=env, capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    script = env_dir / "bin" / "p2pgrid-post"
    summary = subprocess.run([str(script), "summary", phold_traces[1]], cwd=elsewhere, env=env,
                             capture_output=True, text=True)
    assert summary.returncode == 0, summary.stderr
    assert "rows phold" in summary.stdout
    code = ("import p2pgrid_post, sys; run = p2pgrid_post.load(sys.argv[1]); "
            "print(p2pgrid_post.__file__); print(len(run['phold']), run.attrs['protocol'])")
    loaded = subprocess.run([str(env_dir / "bin" / "python"), "-c", code, phold_traces[1]], cwd=elsewhere, env=env,
                            capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    where, figures = loaded.stdout.splitlines()
    assert where.startswith(str(env_dir)), where  # the installed copy, not the repository's
    assert figures == "1000 phold"
