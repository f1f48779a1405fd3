"""A private buildtail for one benchmark run: its own Redis, the real server.py, a Celery worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import redis

from app import store
from app.processes import start_group
from launcher import free_port, redis_binary, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]
BENCH_RECIPES = Path(__file__).resolve().parent / "recipes.toml"
LOGS = ROOT / "var" / "bench"


def start(args: list[str], env: dict[str, str], name: str) -> subprocess.Popen:
    """A child in its own process group, its output in var/bench/<name>.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / f"{name}.log", "wb") as log:
        return start_group(args, cwd=ROOT, env=env, stdout=log)


class Stack:
    """Use as a context manager; `url` is the server's base URL, `redis` a client."""

    def __init__(self, concurrency: int = 1, sentinel: bool = False, **settings: str) -> None:
        self.concurrency = concurrency
        self.sentinel = sentinel
        self.settings = settings
        self.processes = {}

    def __enter__(self) -> Stack:
        self.workdir = tempfile.TemporaryDirectory(prefix="buildtail-bench-")
        port = free_port()
        self.processes["redis"] = start(
            [redis_binary(), "--port", str(port), "--bind", "127.0.0.1",
             "--dir", self.workdir.name, "--save", "", "--appendonly", "no"],
            dict(os.environ), "redis",
        )
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.redis = redis.Redis.from_url(self.redis_url)
        if not wait_for(lambda: store.ping(self.redis), 15):
            raise RuntimeError("redis-server did not start")
        if self.sentinel:
            self.settings = {**self._replica_and_sentinel(port), **self.settings}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "RECIPES_FILE": str(BENCH_RECIPES),
            "WORKSPACE_ROOT": str(Path(self.workdir.name) / "workspaces"),
            "ARCHIVE_DIR": str(Path(self.workdir.name) / "archive"),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            **self.settings,
        }
        self.processes["web"] = start([sys.executable, "server.py"], self.env, "web")
        self.processes["worker"] = start(
            [sys.executable, "-m", "celery", "-A", "celery_worker", "worker", "--loglevel",
             "WARNING", "--concurrency", str(self.concurrency), "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            self.env, "worker",
        )
        if not wait_for(self._web_answers, 30):
            raise RuntimeError("server.py did not answer")
        if not wait_for(self._worker_ready, 60):
            raise RuntimeError("the Celery worker did not start")
        return self

    def _replica_and_sentinel(self, master_port: int) -> dict[str, str]:
        """A replica of the stack's Redis and a sentinel watching both, as a
        Sentinel deployment has them; returns the settings that use them."""
        replica_port, sentinel_port = free_port(), free_port()
        replica_dir = Path(self.workdir.name) / "replica"
        replica_dir.mkdir()
        self.processes["replica"] = start(
            [redis_binary(), "--port", str(replica_port), "--bind", "127.0.0.1",
             "--dir", str(replica_dir), "--save", "", "--appendonly", "no",
             "--replicaof", "127.0.0.1", str(master_port)],
            dict(os.environ), "replica",
        )
        conf = Path(self.workdir.name) / "sentinel.conf"
        conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\ndir {self.workdir.name}\n"
                        f"sentinel monitor bench 127.0.0.1 {master_port} 1\n")
        self.processes["sentinel"] = start([redis_binary(), str(conf), "--sentinel"],
                                           dict(os.environ), "sentinel")
        self.replica = redis.Redis(port=replica_port)
        sentinel = redis.Redis(port=sentinel_port, decode_responses=True)

        def watching_the_replica() -> bool:
            try:
                return bool(sentinel.sentinel_slaves("bench"))
            except redis.RedisError:
                return False

        if not wait_for(watching_the_replica, 30):
            raise RuntimeError("the sentinel never saw the replica")
        return {"REDIS_SENTINELS": f"127.0.0.1:{sentinel_port}", "REDIS_SENTINEL_MASTER": "bench"}

    def __exit__(self, *exc) -> None:
        for name in ("worker", "web", "sentinel", "replica", "redis"):
            if name in self.processes:
                stop(self.processes[name])
        self.workdir.cleanup()

    @property
    def web_pid(self) -> int:
        return self.processes["web"].pid

    def _web_answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def _worker_ready(self) -> bool:
        """A worker that answers a ping over the broker is consuming tasks."""
        from celery import Celery

        app = Celery(broker=self.redis_url)
        try:
            return bool(app.control.ping(timeout=1))
        finally:
            app.close()

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def start_build(self, recipe: str, **params: str) -> int:
        return self.api("POST", "/api/builds", {"recipe": recipe, "params": params})["id"]

    def wait_finished(self, build_id: int, timeout: float = 3600) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            build = self.api("GET", f"/api/builds/{build_id}")
            if build["state"] in ("succeeded", "failed", "cancelled"):
                return build
            time.sleep(0.1)
        raise TimeoutError(f"build {build_id} did not finish")
