"""./dev run's launcher for real: refusals before anything starts, and children
(worker, embedded redis-server) killed with SIGKILL and brought back."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest
import requests

from tests.support import ROOT, TEST_RECIPES, free_port, wait_until

pytestmark = pytest.mark.integration


class Launcher:
    """launcher.py in its own process group, its stdout and stderr kept apart in files."""

    def __init__(self, tmp_path: Path, port: int, var_dir: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = var_dir / "redis"
        self.out_path = tmp_path / f"launcher-{port}.out"
        self.err_path = tmp_path / f"launcher-{port}.err"
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("REDIS_")}
        env.update(
            HOST="127.0.0.1", PORT=str(port), BUILDTAIL_VAR_DIR=str(var_dir),
            RECIPES_FILE=str(TEST_RECIPES), WORKSPACE_ROOT=str(tmp_path / "workspaces"),
            ARCHIVE_DIR=str(tmp_path / "archive"), PYTHONUNBUFFERED="1",
        )
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "launcher.py"], cwd=ROOT, env=env, stdout=out, stderr=err,
                start_new_session=True,
            )
        self.seen: dict[int, psutil.Process] = {}

    def out(self) -> str:
        return self.out_path.read_text(errors="replace")

    def err(self) -> str:
        return self.err_path.read_text(errors="replace")

    def children(self) -> list[psutil.Process]:
        """Its processes now; each is also remembered, to be sure to stop it."""
        try:
            found = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        self.seen.update((child.pid, child) for child in found)
        return found

    def child(self, word: str) -> psutil.Process | None:
        """Its direct child whose command line contains ``word``."""
        for child in self.children():
            try:
                if child.ppid() == self.process.pid and any(word in a for a in child.cmdline()):
                    return child
            except psutil.NoSuchProcess:
                continue
        return None

    def wait_until_serving(self) -> None:
        wait_until(lambda: healthz(self.url) == 200 or self.process.poll() is not None,
                   60, "the launcher's server to answer")
        assert self.process.poll() is None, self.out() + self.err()
        wait_until(lambda: "ready." in self.out(), 60, "the launcher's worker to be ready")

    def stop(self) -> int:
        """SIGTERM, as a service manager would; SIGKILL whatever is left."""
        self.children()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass
        for child in self.seen.values():
            if child.is_running() and child.ppid() in (self.process.pid, 1):
                try:
                    os.killpg(child.pid, signal.SIGKILL)  # its group: a worker's pool too
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        for process in redis_servers_in(self.data_dir):
            process.kill()
        return self.process.wait()


@pytest.fixture
def launch(tmp_path):
    """Starts launchers on a shared tmp BUILDTAIL_VAR_DIR; stops them all afterwards."""
    started: list[Launcher] = []

    def launch(port: int | None = None) -> Launcher:
        launcher = Launcher(tmp_path, port or free_port(), tmp_path / "var")
        started.append(launcher)
        return launcher

    yield launch
    for launcher in started:
        launcher.stop()


def healthz(url: str) -> int | None:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code
    except requests.RequestException:
        return None


def redis_servers_in(data_dir: Path) -> list[psutil.Process]:
    """redis-server processes working in ``data_dir`` (Redis moves into its --dir)."""
    found = []
    for process in psutil.process_iter(["name", "cwd"]):
        if "redis-server" in (process.info["name"] or "") and \
                process.info["cwd"] == str(data_dir.resolve()):
            found.append(process)
    return found


def refusal(launcher: Launcher) -> str:
    """The launcher's one line on stderr once it has refused, exit code 2."""
    assert launcher.process.wait(60) == 2, launcher.out() + launcher.err()
    assert "Traceback" not in launcher.out() + launcher.err()
    assert launcher.out() == ""
    lines = launcher.err().splitlines()
    assert len(lines) == 1, launcher.err()
    return lines[0]


def run_build(url: str, message: str) -> dict:
    """An echo build through the API, once it has finished."""
    response = requests.post(f"{url}/api/builds",
                             json={"recipe": "echo", "params": {"MESSAGE": message}}, timeout=10)
    assert response.status_code == 202, response.text
    build_id = response.json()["id"]

    def finished() -> dict | None:
        build = requests.get(f"{url}/api/builds/{build_id}", timeout=10).json()
        return build if build["state"] in ("succeeded", "failed", "cancelled") else None

    return wait_until(finished, 60, f"build {build_id} to finish")


def log_lines(url: str, build_id: int) -> list[str]:
    return requests.get(f"{url}/api/builds/{build_id}/log", timeout=10).json()["lines"]


def assert_stops_cleanly(launcher: Launcher) -> None:
    """SIGTERM stops the launcher and every child it has, restarted ones included."""
    children = launcher.children()
    assert children
    os.killpg(launcher.process.pid, signal.SIGTERM)
    assert launcher.process.wait(60) == 0
    assert "Traceback" not in launcher.err()
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive


def test_a_busy_port_is_refused_before_anything_starts(launch):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        launcher = launch(port)
        line = refusal(launcher)
    assert line == (f"buildtail: port {port} on 127.0.0.1 is already in use (another "
                    "buildtail?); set PORT to use another")
    assert not (launcher.data_dir / "appendonlydir").exists()
    assert not redis_servers_in(launcher.data_dir)


def test_a_second_launcher_on_the_same_data_is_refused(launch):
    first = launch()
    first.wait_until_serving()
    second = launch()
    line = refusal(second)
    assert line == (f"buildtail: {first.data_dir.resolve()} is in use by another ./dev run "
                    f"(pid {first.process.pid}); stop it first")
    assert healthz(first.url) == 200
    assert len(redis_servers_in(first.data_dir)) == 1


def test_a_redis_left_by_a_killed_launcher_still_holds_the_data(launch):
    first = launch()
    wait_until(lambda: first.child("redis-server"), 30, "the embedded redis-server")
    wait_until(lambda: first.child("server.py") and first.child("celery"), 60,
               "the server and the worker to start")
    redis = first.child("redis-server")  # every child is remembered, to be stopped at the end
    first.process.kill()
    first.process.wait()
    line = refusal(launch())
    assert line == (f"buildtail: {first.data_dir.resolve()} is in use by a redis-server "
                    f"(pid {redis.pid}) that an earlier ./dev run left running; stop it first")


def test_a_killed_worker_is_restarted_and_the_server_stays_up(launch):
    launcher = launch()
    launcher.wait_until_serving()
    answers: list[int | None] = []
    watching = threading.Event()

    def watch_healthz() -> None:
        while not watching.wait(0.1):
            answers.append(healthz(launcher.url))

    watcher = threading.Thread(target=watch_healthz, daemon=True)
    watcher.start()
    try:
        worker = launcher.child("celery")
        worker.kill()
        wait_until(lambda: "buildtail: the worker exited (code -9); restarting it in 1s\n"
                   in launcher.err(), 30, "the launcher to say the worker exited")
        wait_until(lambda: (launcher.child("celery") or worker).pid != worker.pid, 30,
                   "a new worker")
        build = run_build(launcher.url, "after the restart")
    finally:
        watching.set()
        watcher.join()
    assert build["state"] == "succeeded", build
    assert log_lines(launcher.url, build["id"])[0] == "after the restart"
    assert answers and set(answers) == {200}
    assert_stops_cleanly(launcher)


def test_a_killed_redis_is_restarted_with_its_data(launch):
    launcher = launch()
    launcher.wait_until_serving()
    before = run_build(launcher.url, "before the kill")
    assert before["state"] == "succeeded", before
    port = re.search(r"redis-server on port (\d+)", launcher.out()).group(1)
    launcher.child("redis-server").kill()
    said = (f"buildtail: the embedded redis-server exited (code -9); restarting it in 1s on "
            f"port {port} with the data in {launcher.data_dir.resolve()}\n")
    wait_until(lambda: said in launcher.err(), 30, "the launcher to say Redis exited")
    wait_until(lambda: healthz(launcher.url) == 200, 60, "/healthz to answer 200 again")
    kept = requests.get(f"{launcher.url}/api/builds/{before['id']}", timeout=10).json()
    assert kept["state"] == "succeeded"
    assert log_lines(launcher.url, before["id"])[0] == "before the kill"
    after = run_build(launcher.url, "after the restart")
    assert after["state"] == "succeeded", after
    assert_stops_cleanly(launcher)
