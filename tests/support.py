"""What the tests and tools share to run the real parts: processes in their own
process group (a private redis-server, Celery workers, the gevent server), and
waiting for what they do. Fixtures (tests/conftest.py) are built from these."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests

from app import store
from app.processes import start_group, stop_group
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
        self.process = start_group(args, cwd=ROOT, env=env, stdout=self._log, stdin=None)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        """``sig`` to its group, then SIGKILL to what is left after ``timeout``."""
        stop_group(self.process, timeout, sig)
        self._log.close()

    def kill_group(self) -> None:
        """SIGKILL the process and everything it started, as a crash would."""
        stop_group(self.process, 0, signal.SIGKILL)
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


def wait_for_state(redis_client: redis.Redis, build_id: int, states, timeout: float = 60):
    """The build record once it reaches one of ``states``."""
    states = {states} if isinstance(states, str) else set(states)

    def reached():
        build = store.get_build(redis_client, build_id)
        return build if build and build["state"] in states else None

    return wait_until(reached, timeout, f"build {build_id} to reach {sorted(states)}")


def cli(url: str, *args: str, command: list[str] | None = None, **popen) -> subprocess.Popen:
    """``flask --app app builds ARGS`` (or ``command`` + ARGS) against ``url``."""
    env = {**os.environ, "BUILDTAIL_URL": url, "PYTHONUNBUFFERED": "1"}
    command = command or [sys.executable, "-m", "flask", "--app", "app", "builds"]
    popen.setdefault("cwd", ROOT)
    return subprocess.Popen([*command, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def run_cli(url: str, *args: str, **options) -> tuple[int, str, str]:
    """Run the CLI to its end: its exit code, standard output and standard error."""
    process = cli(url, *args, **options)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err
