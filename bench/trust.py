"""What knowing a log is whole costs, and how soon a lost worker is noticed.

- checksum: the CRC-32 of a 1,000,000-line log as the worker keeps it (per
  batch), as the archiver recomputes it and as the page keeps it (in Node,
  the page's own module), against the same log's ingest time.
- worker-lost: a worker killed with SIGKILL mid-build, three times; the time
  from the kill to the build's `worker lost`.
- sign-in: /healthz's median answer time while four clients post failed
  sign-ins, from one address (the limit stops them) and from many (every
  attempt is hashed).
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import requests
from werkzeug.security import generate_password_hash

from app import archive, store
from bench.pipeline import INGEST_LINES, seconds_between
from bench.stack import start

HERE = Path(__file__).resolve().parent
BATCH_LINES = 5000
KILLS = 3


def burst_like_lines(count: int, stamp: int) -> list[str]:
    return [f"{stamp} line {n}" for n in range(1, count + 1)]


def cpu_seconds(function, *args) -> float:
    """The best of three: the figure is the work's own cost, not the machine's noise."""
    runs = []
    for _ in range(3):
        started = time.process_time()
        function(*args)
        runs.append(time.process_time() - started)
    return min(runs)


def worker_checksum(lines: list[str]) -> int:
    crc = 0
    for start_at in range(0, len(lines), BATCH_LINES):
        crc = store.log_crc32(lines[start_at : start_at + BATCH_LINES], crc)
    return crc


def archiver_checksum(entries: list[bytes]) -> int:
    crc = 0
    for start_at in range(0, len(entries), 10_000):
        crc = archive._text_crc(entries[start_at : start_at + 10_000], crc)
    return crc


def page_checksum(stamp: int) -> dict:
    result = subprocess.run(
        ["node", str(HERE / "checksum-client.mjs"), str(INGEST_LINES), str(BATCH_LINES),
         str(stamp)],
        capture_output=True, text=True, check=True, timeout=300,
    )
    return json.loads(result.stdout)


def checksum(stack) -> list[tuple[str, str, str]]:
    stamp = int(time.time() * 1000)
    lines = burst_like_lines(INGEST_LINES, stamp)
    entries = [f"{n} {line}".encode() for n, line in enumerate(lines)]
    expected = zlib.crc32(("\n".join(lines) + "\n").encode())
    assert worker_checksum(lines) == archiver_checksum(entries) == expected
    worker_cpu = cpu_seconds(worker_checksum, lines)
    archiver_cpu = cpu_seconds(archiver_checksum, entries)
    page = page_checksum(stamp)
    assert page["crc"] == expected, page
    build = stack.wait_finished(stack.start_build("burst", LINES=str(INGEST_LINES)))
    assert build["log_crc32"] is not None and build["lines"] == INGEST_LINES, build
    wall = seconds_between(build)
    return [
        ("worker: CRC-32 of 1,000,000 lines in 5,000-line batches (CPU)",
         f"{worker_cpu * 1000:.0f} ms = {worker_cpu / wall:.1%} of that log's ingest "
         f"({wall:.2f} s)", "negligible"),
        ("archiver: the same over stored entries (CPU, on its thread)",
         f"{archiver_cpu * 1000:.0f} ms", "—"),
        ("page: LogChecksum over the same lines (Node)", f"{page['ms']:.0f} ms", "—"),
    ]


def kill_worker_mid_build(stack, worker) -> float:
    """Seconds from SIGKILL to the build failing as worker lost."""
    build_id = stack.start_build("paced", LINES="100000", RATE="50")
    deadline = time.monotonic() + 60
    while store.line_count(stack.redis, build_id) < 20:
        if time.monotonic() > deadline:
            raise TimeoutError("the build did not start printing")
        time.sleep(0.05)
    time.sleep(0.37)  # land somewhere between two lease renewals
    killed = time.monotonic()
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    while True:
        build = store.get_build(stack.redis, build_id)
        if build["state"] != "running":
            assert build["reason"] == "worker lost", build
            return time.monotonic() - killed
        time.sleep(0.02)


def worker_lost(stack) -> list[tuple[str, str, str]]:
    worker, times = stack.processes["worker"], []
    for number in range(KILLS):
        times.append(kill_worker_mid_build(stack, worker))
        worker = start(
            [sys.executable, "-m", "celery", "-A", "celery_worker", "worker", "--loglevel",
             "WARNING", "--concurrency", "1", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            stack.env, f"worker-after-kill-{number}",
        )
        stack.processes["worker"] = worker
        time.sleep(3)
    return [
        (f"SIGKILL to `worker lost`, {KILLS} kills",
         f"median {statistics.median(times):.1f} s, max {max(times):.1f} s "
         f"({', '.join(f'{t:.1f}' for t in times)})", "< 10 s"),
    ]


SIGN_IN_CLIENTS, SIGN_IN_SECONDS = 4, 10.0


def healthz_median_ms(url: str, seconds: float) -> tuple[float, int]:
    times, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        requests.get(url + "/healthz", timeout=60)
        times.append((time.monotonic() - started) * 1000)
        time.sleep(0.05)
    return statistics.median(times), len(times)


def hammer_sign_in(url: str, index: int, spread: bool, stop: threading.Event,
                   answers: dict[int, int]) -> None:
    """Failed sign-ins until ``stop``: as one client, or each as a new address and name."""
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(url + "/login").text)[1]
    attempt = 0
    while not stop.is_set():
        attempt += 1
        headers = {"X-Forwarded-For": f"10.{index}.{attempt // 250 % 250}.{attempt % 250}"}
        name = f"nobody-{index}-{attempt}" if spread else "nobody"
        status = session.post(url + "/login", headers=headers if spread else {}, timeout=120,
                              data={"name": name, "password": "wrong", "csrf_token": token}
                              ).status_code
        answers[status] = answers.get(status, 0) + 1


def sign_in_load(url: str, spread: bool) -> str:
    stop, answers = threading.Event(), {}
    clients = [threading.Thread(target=hammer_sign_in, args=(url, i, spread, stop, answers))
               for i in range(SIGN_IN_CLIENTS)]
    for client in clients:
        client.start()
    time.sleep(0.5)
    median, samples = healthz_median_ms(url, SIGN_IN_SECONDS)
    stop.set()
    for client in clients:
        client.join()
    told = ", ".join(f"{count} × {status}" for status, count in sorted(answers.items()))
    return f"{median:.1f} ms ({samples} samples; sign-ins answered {told})"


def sign_in(stack) -> list[tuple[str, str, str]]:
    idle, _ = healthz_median_ms(stack.url, 3)
    return [
        ("/healthz median, idle", f"{idle:.1f} ms", "—"),
        (f"  while {SIGN_IN_CLIENTS} clients fail to sign in from one address",
         sign_in_load(stack.url, spread=False), "≈ idle"),
        (f"  while {SIGN_IN_CLIENTS} clients fail to sign in from many addresses and names",
         sign_in_load(stack.url, spread=True), "≈ idle"),
    ]


SCENARIOS = {"checksum": checksum, "worker-lost": worker_lost, "sign-in": sign_in}
# The sign-in scenario's stack has a user (password "secret").
STACK_OPTIONS = {"sign-in": {"AUTH_USERS": "alice:" + generate_password_hash("secret")}}
