"""What knowing a log is whole costs, and how soon a lost worker is noticed.

- checksum: the CRC-32 of a 1,000,000-line log as the worker keeps it (per
  batch), as the archiver recomputes it and as the page keeps it (in Node,
  the page's own module), against the same log's ingest time.
- worker-lost: a worker killed with SIGKILL mid-build, three times; the time
  from the kill to the build's `worker lost`.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

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


SCENARIOS = {"checksum": checksum, "worker-lost": worker_lost}
