"""Faults injected for real: a worker killed with SIGKILL mid-build."""

from __future__ import annotations

import os

import pytest
import redis
import requests

from app import store
from tests.conftest import (
    Service,
    free_port,
    redis_server_binary,
    start_server,
    start_worker,
    wait_for_state,
    wait_until,
)
from tests.viewer import Viewer

pytestmark = pytest.mark.integration


@pytest.fixture
def private_stack(tmp_path, log_dir):
    """Its own Redis, server and worker, so no other worker can pick up its builds."""
    port = free_port()
    redis_service = Service(
        "redis-private",
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
         "--dir", str(tmp_path), "--save", "", "--appendonly", "no"],
        dict(os.environ), log_dir,
    )
    settings = {
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "RECIPES_FILE": str(os.path.join(os.path.dirname(__file__), "..", "recipes.toml")),
        "WORKSPACE_ROOT": str(tmp_path / "workspaces"),
    }
    client = redis.Redis.from_url(settings["REDIS_URL"])
    wait_until(lambda: store.ping(client), 10, "the private redis-server")
    server, url = start_server(settings, log_dir)
    worker = start_worker(settings, log_dir, concurrency=1)
    yield client, url, worker
    worker.stop()
    server.stop()
    redis_service.stop()


def test_killed_worker_fails_the_build_as_worker_lost(private_stack):
    client, url, worker = private_stack
    build = requests.post(
        f"{url}/api/builds", json={"recipe": "slow", "params": {"LINES": "1000", "DELAY": "0.1"}}
    ).json()
    viewer = Viewer(url)
    viewer.subscribe(build["id"])
    wait_until(lambda: store.line_count(client, build["id"]) > 5, 30, "the build to print")
    worker.kill_group()
    failed = wait_for_state(client, build["id"], "failed", timeout=35)
    assert failed["reason"] == "worker lost"
    assert viewer.finished.wait(10)
    assert viewer.events[-1][1]["state"] == "failed"
    numbers = [n for n, _, _ in viewer.lines()]
    assert numbers == list(range(1, failed["lines"] + 1))
    viewer.close()
