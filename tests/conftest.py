"""Fixtures that start the real parts: a private redis-server, Celery workers, the
gevent server. How each is started lives in tests/support.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app import create_app, store
from tests.support import (
    TEST_RECIPES,
    PrivateRedis,
    Service,
    free_port,
    redis_server_binary,
    start_server,
    start_worker,
    wait_until,
)


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory, log_dir) -> Iterator[str]:
    """A private redis-server on a free port; yields its URL."""
    port = free_port()
    data = tmp_path_factory.mktemp("redis")
    service = Service(
        "redis",
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--save", "", "--appendonly", "no"],
        dict(os.environ),
        log_dir,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    wait_until(lambda: store.ping(client), 10, "redis-server to answer")
    yield url
    service.stop()


@pytest.fixture(scope="session")
def settings(redis_server, tmp_path_factory) -> dict[str, str]:
    """What every process of the test session is configured with."""
    return {
        "REDIS_URL": redis_server,
        "RECIPES_FILE": str(TEST_RECIPES),
        "WORKSPACE_ROOT": str(tmp_path_factory.mktemp("workspaces")),
        "ARCHIVE_DIR": str(tmp_path_factory.mktemp("archive")),
    }


@pytest.fixture(scope="session")
def worker(settings, log_dir) -> Iterator[Service]:
    service = start_worker(settings, log_dir)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def server(settings, log_dir) -> Iterator[str]:
    """The base URL of a real server.py process shared by the session."""
    service, url = start_server(settings, log_dir)
    yield url
    service.stop()


@pytest.fixture
def app(settings):
    return create_app({**settings, "ASYNC_MODE": "threading"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def redis_client(settings) -> redis.Redis:
    return redis.Redis.from_url(settings["REDIS_URL"])


@pytest.fixture
def private_stack(tmp_path, log_dir):
    """Its own Redis, server and worker, so no other worker picks up its builds and
    stopping any of them touches no other test."""
    private_redis = PrivateRedis(tmp_path, log_dir)
    private_redis.start()
    settings = private_redis.settings()
    server, url = start_server(settings, log_dir)
    worker = start_worker(settings, log_dir, concurrency=1)
    yield private_redis, url, worker
    worker.stop()
    server.stop()
    private_redis.stop()


@pytest.fixture
def private_app(tmp_path, log_dir):
    """An app on a Redis of its own: no server's archiver takes its builds first."""
    private_redis = PrivateRedis(tmp_path, log_dir)
    private_redis.start()
    yield create_app({**private_redis.settings(), "ASYNC_MODE": "threading"})
    private_redis.stop()
