"""Faults injected for real: a worker killed with SIGKILL, Redis restarted, mid-build."""

from __future__ import annotations

import time

import pytest
import requests

from app import store
from tests.support import (
    wait_for_state,
    wait_until,
)
from tests.viewer import Viewer

pytestmark = pytest.mark.integration


def watched_slow_build(url: str, lines: str, delay: str) -> tuple[dict, Viewer]:
    """A build printing ``lines`` lines ``delay`` s apart, and a viewer subscribed to it."""
    build = requests.post(
        f"{url}/api/builds", json={"recipe": "slow", "params": {"LINES": lines, "DELAY": delay}}
    ).json()
    viewer = Viewer(url)
    viewer.subscribe(build["id"])
    return build, viewer


def test_killed_worker_fails_the_build_as_worker_lost(private_stack):
    """Viewers hear that the worker went quiet, then the build fails (bench: worker-lost
    measures how soon; the lease and check periods bound it at 8 s)."""
    private_redis, url, worker = private_stack
    client = private_redis.client
    build, viewer = watched_slow_build(url, "1000", "0.1")
    wait_until(lambda: store.line_count(client, build["id"]) > 5, 30, "the build to print")
    assert viewer.health and viewer.health[-1]["worker_silent_seconds"] is None
    worker.kill_group()
    failed = wait_for_state(client, build["id"], "failed", timeout=35)
    assert failed["reason"] == "worker lost"
    assert failed["log_crc32"] is not None  # every append recorded it: still checkable
    assert viewer.finished.wait(10)
    assert viewer.events[-1][1]["state"] == "failed"
    numbers = [n for n, _, _ in viewer.lines()]
    assert numbers == list(range(1, failed["lines"] + 1))
    received = [text for _, text, _ in viewer.lines()]
    assert store.log_crc32(received) == failed["log_crc32"]
    assert any((h["worker_silent_seconds"] or 0) >= 3 for h in viewer.health)
    viewer.close()


def test_a_burst_of_a_million_lines_keeps_its_lease(server, worker, redis_client):
    """The lease is renewed on a thread of its own: a busy worker is never taken for lost."""
    build = requests.post(f"{server}/api/builds",
                          json={"recipe": "lines", "params": {"LINES": "1000000"}}).json()
    done = wait_for_state(redis_client, build["id"], ["succeeded", "failed"], timeout=120)
    assert done["state"] == "succeeded" and done["lines"] == 1_000_000


def test_redis_restarted_mid_build_loses_and_repeats_no_line(private_stack):
    """Redis away for 8 s: the worker buffers and retries, the server re-syncs its viewers."""
    private_redis, url, _ = private_stack
    client = private_redis.client
    build, viewer = watched_slow_build(url, "300", "0.05")
    wait_until(lambda: len(viewer.lines()) > 40, 30, "the viewer to get lines")
    private_redis.stop()
    time.sleep(8)  # the build prints on meanwhile
    private_redis.start()
    done = wait_for_state(client, build["id"], "succeeded", timeout=90)
    assert done["lines"] == 300
    assert viewer.finished.wait(60)
    viewer.assert_exactly(1, 300)
    told = [h["redis"] for h in viewer.health]
    assert "unavailable" in told and told[-1] == "ok"  # the outage was said, then its end
    text = requests.get(f"{url}/builds/{build['id']}/log.txt").text
    assert text.splitlines() == [f"line {n}" for n in range(1, 301)]
    viewer.close()
