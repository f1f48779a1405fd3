"""The command-line client against a real server: start, follow, list, cancel, tail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.conftest import ROOT, start_server, wait_for_state

pytestmark = pytest.mark.integration


def cli(url: str, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "BUILDTAIL_URL": url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "builds", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)


def run(url: str, *args: str) -> tuple[int, str, str]:
    process = cli(url, *args)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_start_follow_prints_every_line_and_exits_with_the_result(server, worker):
    code, out, err = run(server, "start", "slow", "LINES=30", "DELAY=0.02", "--follow")
    assert code == 0, err
    assert out.splitlines() == [f"line {n}" for n in range(1, 31)]
    assert "slow queued" in err
    code, _, _ = run(server, "start", "fail", "EXIT_CODE=3", "--follow")
    assert code == 1


def test_list_cancel_and_bad_input(server, worker, redis_client):
    code, out, _ = run(server, "start", "slow", "LINES=500", "DELAY=0.1")
    build_id = int(out.split()[0].lstrip("#"))
    code, out, _ = run(server, "list", "--limit", "5")
    assert code == 0 and f"#{build_id}" in out
    code, out, _ = run(server, "cancel", str(build_id))
    assert code == 0 and ("cancelled" in out or "running" in out)
    wait_for_state(redis_client, build_id, "cancelled")
    code, _, err = run(server, "start", "nope")
    assert code == 1 and "400" in err and "unknown recipe" in err


def test_tail_resumes_after_the_server_restarts(settings, log_dir, worker):
    first, url = start_server(settings, log_dir, name="server-cli-before")
    port = int(url.rsplit(":", 1)[1])
    build = requests.post(f"{url}/api/builds",
                          json={"recipe": "slow", "params": {"LINES": "300", "DELAY": "0.02"}})
    tail = cli(url, "tail", str(build.json()["id"]))
    first_line = tail.stdout.readline()
    assert first_line == "line 1\n"
    first.stop(signal.SIGKILL)
    second, _ = start_server(settings, log_dir, port=port, name="server-cli-after")
    try:
        out = tail.stdout.read()  # to the end: tail exits when the build has ended
        tail.wait(timeout=60)
    finally:
        second.stop()
    assert tail.returncode == 0, tail.stderr.read()
    assert [first_line.strip(), *out.splitlines()] == [f"line {n}" for n in range(1, 301)]
