"""Fixtures that start the real parts: a private redis-server, Celery workers, the gevent server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from app import create_app, store
from launcher import free_port, redis_binary

ROOT = Path(__file__).resolve().parents[1]
TEST_RECIPES = Path(__file__).resolve().parent / "recipes.toml"


def redis_server_binary() -> str:
    return redis_binary()


def answers(url: str, service: Service, **kwargs) -> bool:
    """True once ``url`` answers 200; fails the test if ``service`` has exited."""
    if service.process.poll() is not None:
        pytest.fail(f"{service.name} exited:\n{service.log_text()}")
    try:
        return requests.get(url, timeout=2, **kwargs).status_code == 200
    except requests.RequestException:
        return False


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines, as systemd's EnvironmentFile= reads them (no quoting used here)."""
    lines = path.read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith(("#", ";"))]
    return dict(pairs)


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Service:
    """A child process of the test session, in its own process group, logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self._log.close()

    def kill_group(self) -> None:
        """SIGKILL the process and everything it started, as a crash would."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self._log.close()


class PrivateRedis:
    """A redis-server that keeps its data in an append-only file, so it can be
    stopped and started again on the same port without losing anything."""

    def __init__(self, data_dir, log_dir) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.log_dir = log_dir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis.from_url(self.url)
        self.service = None

    def start(self) -> None:
        self.service = Service(
            "redis-private",
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.data_dir), "--save", "", "--appendonly", "yes",
             "--appendfsync", "always"],
            dict(os.environ), self.log_dir,
        )
        wait_until(lambda: store.ping(self.client), 10, "the private redis-server")

    def stop(self) -> None:
        self.service.stop()

    def settings(self) -> dict[str, str]:
        """What processes of a stack on this Redis are configured with."""
        return {
            "REDIS_URL": self.url,
            "RECIPES_FILE": str(TEST_RECIPES),
            "WORKSPACE_ROOT": str(self.data_dir / "workspaces"),
            "ARCHIVE_DIR": str(self.data_dir / "archive"),
        }


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


def service_env(settings: dict[str, str], **extra: str) -> dict[str, str]:
    env = {**os.environ, **settings, **extra}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_worker(
    settings: dict[str, str], log_dir: Path, concurrency: int = 2, queues: str = "celery"
) -> Service:
    """A real Celery worker process consuming ``queues``; returns once it is ready."""
    service = Service(
        f"worker-{queues}",
        [sys.executable, "-m", "celery", "-A", "celery_worker", "worker", "--loglevel", "INFO",
         "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
         "-Q", queues],
        service_env(settings),
        log_dir,
    )
    try:
        wait_until(
            lambda: "ready." in service.log_text() or service.process.poll() is not None,
            60, "the Celery worker to start",
        )
    except BaseException:
        service.stop()  # a worker that never got ready must not outlive the test
        raise
    if service.process.poll() is not None:
        pytest.fail("the worker exited:\n" + service.log_text())
    return service


def start_server(
    settings: dict[str, str], log_dir: Path, port: int | None = None, name: str = "server"
) -> tuple[Service, str]:
    """The real gevent server (server.py), on a free port unless told; returns it and its URL."""
    port = port or free_port()
    service = Service(
        name, [sys.executable, "server.py"],
        service_env(settings, PORT=str(port), HOST="127.0.0.1"), log_dir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(url + "/healthz", service), 30, "the server to answer")
    except BaseException:
        service.stop()
        raise
    return service, url


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


def wait_for_state(redis_client: redis.Redis, build_id: int, states, timeout: float = 60):
    """The build record once it reaches one of ``states``."""
    states = {states} if isinstance(states, str) else set(states)

    def reached():
        build = store.get_build(redis_client, build_id)
        return build if build and build["state"] in states else None

    return wait_until(reached, timeout, f"build {build_id} to reach {sorted(states)}")
