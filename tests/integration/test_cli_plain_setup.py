"""The CLI from a virtualenv made by a plain ``./dev setup``: no test extra, nothing else."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.integration

# pip installs the project and its dependencies into a fresh venv, and npm builds the pages.
SETUP_TIMEOUT = 900


@pytest.fixture(scope="module")
def plain_venv(tmp_path_factory):
    """A virtualenv made by ``BUILDTAIL_VENV=<it> ./dev setup``, as a user without --test gets."""
    venv = tmp_path_factory.mktemp("plain") / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(["./dev", "setup"], cwd=ROOT, env={**env, "BUILDTAIL_VENV": str(venv)},
                            capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    return venv


@pytest.mark.timeout(SETUP_TIMEOUT + 300)
def test_a_plain_setup_installs_a_working_buildtail(plain_venv, server, worker, tmp_path):
    # tests/recipes.toml has no demo recipe; slow is the same (LINES lines, DELAY s apart).
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(
        [str(plain_venv / "bin" / "buildtail"), "builds", "start", "slow", "LINES=3",
         "DELAY=0.2", "--follow"],
        cwd=tmp_path, env={**env, "BUILDTAIL_URL": server}, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["line 1", "line 2", "line 3"]
    assert "Traceback" not in result.stderr
    assert "succeeded after " in result.stderr and " · 3 lines" in result.stderr
    # It really is a plain venv: the test extra is not in it.
    probe = subprocess.run([str(plain_venv / "bin" / "python"), "-c", "import pytest"],
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'pytest'" in probe.stderr
