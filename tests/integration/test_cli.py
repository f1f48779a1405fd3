"""The command-line client against a real server: start, follow, list, cancel, tail, its
exit codes and one-line errors, the ``buildtail`` console script, and the log's checksum."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from launcher import free_port
from tests.support import (
    PrivateRedis,
    cli,
    run_cli,
    start_server,
    start_worker,
    wait_for_state,
    wait_until,
)

pytestmark = pytest.mark.integration

BUILDTAIL = Path(sys.executable).parent / "buildtail"


def tail_heard(url: str, build_id: int) -> tuple[subprocess.Popen, list[str], threading.Thread]:
    """``builds tail`` running, and the lines it says on standard error as they come."""
    tail = cli(url, "tail", str(build_id))
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(tail.stderr), daemon=True)
    reader.start()
    return tail, said, reader


def assert_one_line_error(err: str, *words: str) -> None:
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("buildtail: "), err
    for word in words:
        assert word in err, err


def started_id(text: str) -> int:
    """The build id from the line ``#42 recipe queued  URL``."""
    return int(text.split()[0].lstrip("#"))


# -- pure parts ---------------------------------------------------------------


def test_start_follow_prints_every_line_and_exits_with_the_result(server, worker):
    code, out, err = run_cli(server, "start", "slow", "LINES=30", "DELAY=0.02", "--follow")
    assert code == 0, err
    assert out.splitlines() == [f"line {n}" for n in range(1, 31)]
    assert "slow queued" in err
    assert re.search(r"succeeded after \d+s · 30 lines", err)
    code, out, err = run_cli(server, "start", "fail", "EXIT_CODE=3", "--follow")
    assert code == 1, err
    assert out.splitlines() == ["about to fail", "to stderr"]
    assert re.search(r"failed: exit code 3 after \d+s · 2 lines", err)
    assert "Traceback" not in err


def test_list_cancel_and_bad_input(server, worker, redis_client):
    code, out, _ = run_cli(server, "start", "slow", "LINES=500", "DELAY=0.1")
    build_id = started_id(out)
    code, out, _ = run_cli(server, "list", "--limit", "5")
    assert code == 0 and f"#{build_id}" in out
    code, out, _ = run_cli(server, "cancel", str(build_id))
    assert code == 0 and ("cancelled" in out or "running" in out)
    wait_for_state(redis_client, build_id, "cancelled")
    code, out, err = run_cli(server, "tail", str(build_id))
    assert code == 1, err
    assert "cancelled" in err.splitlines()[-1]
    code, _, err = run_cli(server, "cancel", str(build_id))
    assert code == 2
    assert_one_line_error(err, "409")
    code, _, err = run_cli(server, "start", "nope")
    assert code == 2
    assert_one_line_error(err, "400", "unknown recipe")
    code, _, err = run_cli(server, "tail", "999999")
    assert code == 2
    assert_one_line_error(err, "build 999999 does not exist")
    code, _, err = run_cli(server, "start", "slow", "LINES")
    assert code == 2 and "is not KEY=VALUE" in err and "Traceback" not in err


def test_an_unreachable_server_is_one_line_and_exit_2():
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for args in [("tail", "1"), ("start", "slow", "--follow"), ("list",), ("cancel", "1")]:
        code, out, err = run_cli(url, *args)
        assert code == 2, (args, err)
        assert out == ""
        assert_one_line_error(err, "cannot", url)


def test_the_buildtail_script_needs_no_app_and_no_repository(server, worker, tmp_path):
    """Run from an empty directory with only BUILDTAIL_URL set: no Flask app, no Redis."""
    code, out, err = run_cli(server, "builds", "start", "lines", "LINES=3", "--follow",
                         command=[str(BUILDTAIL)], cwd=tmp_path)
    assert code == 0, err
    assert out.splitlines() == ["line 1", "line 2", "line 3"]
    build_id = started_id(err)
    code, out, err = run_cli(server, "builds", "tail", str(build_id), command=[str(BUILDTAIL)],
                         cwd=tmp_path)
    assert code == 0, err
    assert out.splitlines() == ["line 1", "line 2", "line 3"]
    code, out, _ = run_cli(server, "builds", "list", "--limit", "3", command=[str(BUILDTAIL)],
                       cwd=tmp_path)
    assert code == 0 and f"#{build_id}" in out
    code, out, _ = run_cli(server, "--help", command=[str(BUILDTAIL)], cwd=tmp_path)
    assert code == 0 and "Exit codes" in out


def test_a_log_that_differs_from_the_stored_one_exits_3(server, worker, redis_client):
    code, out, err = run_cli(server, "start", "lines", "LINES=5", "--follow")
    assert code == 0, err
    build_id = started_id(err)
    if requests.get(f"{server}/api/builds/{build_id}").json().get("log_crc32") is None:
        pytest.skip("this server does not record log_crc32 yet")
    assert "· verified" in err
    key = f"buildtail:build:{build_id}:lines"
    stamp = redis_client.lindex(key, 0).split(b" ", 1)[0]
    redis_client.lset(key, 0, stamp + b" changed")
    code, out, err = run_cli(server, "tail", str(build_id))
    assert code == 3, err
    assert out.splitlines()[0] == "changed"
    assert_one_line_error(err, "differs from the one stored", "crc32")


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
    err = tail.stderr.read()
    assert tail.returncode == 0, err
    assert [first_line.strip(), *out.splitlines()] == [f"line {n}" for n in range(1, 301)]
    notices = err.splitlines()
    assert "buildtail: reconnecting" in notices
    assert notices.index("buildtail: live again") > notices.index("buildtail: reconnecting")


def test_tail_waits_out_a_redis_outage(tmp_path, log_dir):
    """The server answers but cannot reach Redis: the tail says so and retries."""
    private_redis = PrivateRedis(tmp_path, log_dir)
    private_redis.start()
    settings = private_redis.settings()
    server, url = start_server(settings, log_dir, name="server-cli-redis")
    try:
        worker = start_worker(settings, log_dir, concurrency=1)
        try:
            build = requests.post(f"{url}/api/builds",
                                  json={"recipe": "lines", "params": {"LINES": "20"}}).json()
            wait_for_state(private_redis.client, build["id"], "succeeded")
        finally:
            worker.stop()
        private_redis.stop()
        tail, said, reader = tail_heard(url, build["id"])
        wait_until(lambda: said, 60, "the tail to say something")
        # The server acks a subscribe it cannot serve for want of Redis with that error.
        assert said[0] == "buildtail: Redis unavailable — retrying\n", said
        private_redis.start()
        out = tail.stdout.read()
        tail.wait(timeout=120)
        reader.join(10)
    finally:
        server.stop()
        private_redis.stop()
    err = "".join(said)
    assert tail.returncode == 0, err
    assert out.splitlines() == [f"line {n}" for n in range(1, 21)]
    assert err.splitlines()[:2] == ["buildtail: Redis unavailable — retrying",
                                    "buildtail: live again"]
    assert "Traceback" not in err


def test_tail_says_when_the_worker_stops_reporting_and_when_it_is_back(tmp_path, log_dir):
    """A worker frozen with SIGSTOP renews no lease: the tail says so, then that it is back.
    The build holds its second run of lines until the test opens the gate."""
    private_redis = PrivateRedis(tmp_path, log_dir)
    private_redis.start()
    settings = private_redis.settings()
    server, url = start_server(settings, log_dir, name="server-cli-worker")
    worker = start_worker(settings, log_dir, concurrency=1)
    gate = tmp_path / "gate"
    try:
        build = requests.post(f"{url}/api/builds", json={
            "recipe": "gated", "params": {"RUNS": "5,5", "GATES": str(gate)}}).json()
        tail, said, reader = tail_heard(url, build["id"])
        first_line = tail.stdout.readline()
        os.killpg(worker.pid, signal.SIGSTOP)  # the build's command has its own group
        try:
            wait_until(lambda: any("worker not reporting" in line for line in said), 60,
                       "the tail to say the worker is silent")
        finally:
            os.killpg(worker.pid, signal.SIGCONT)
        wait_until(lambda: any("live again" in line for line in said), 60,
                   "the tail to say it is live again")
        gate.touch()
        out = tail.stdout.read()
        tail.wait(timeout=60)
        reader.join(10)
    finally:
        worker.stop()
        server.stop()
        private_redis.stop()
    err = "".join(said)
    assert tail.returncode == 0, err
    assert [first_line.strip(), *out.splitlines()] == [f"line {n}" for n in range(1, 11)]
    notices = err.splitlines()
    assert re.fullmatch(r"buildtail: worker not reporting \(\d+s\)", notices[0]), notices
    assert notices[1] == "buildtail: live again", notices
