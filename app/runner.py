"""Running one command in its own process group and reading its output in batches.

Nothing here knows about Redis or Celery: the caller decides what a batch is for.
"""

from __future__ import annotations

import logging
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from app.output import LineSplitter

log = logging.getLogger(__name__)

READ_SIZE = 65536


@dataclass(frozen=True)
class BatchLimits:
    """When a batch of lines is handed over: whichever limit is reached first."""

    interval: float = 0.05
    max_lines: int = 2000
    max_bytes: int = 1 << 20
    tick: float = 0.25
    # After the command exits, how long to wait for the pipe to close: a
    # process that left its group (setsid) could hold it open forever.
    drain: float = 5.0


def start_command(command: Sequence[str], cwd: str, env: Mapping[str, str]) -> subprocess.Popen:
    """Start ``command`` with stdout and stderr merged into one pipe, in a new session.

    A new session makes the command the leader of its own process group, so a
    stop reaches everything it started.
    """
    return subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM the whole process group, then SIGKILL it after ``grace`` seconds."""
    signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    signal_group(process, signal.SIGKILL)
    process.wait()


def read_batches(
    process: subprocess.Popen, splitter: LineSplitter, limits: BatchLimits
) -> Iterator[tuple[list[str], list[int]]]:
    """Yield ``(lines, times)`` batches until the command's output ends.

    Each line is stamped (ms since the epoch) when it is read. A batch is yielded
    once its first line is ``limits.interval`` old or it is full; an empty batch
    is yielded every ``limits.tick`` so the caller can check for cancel and
    timeout even when the command is silent. When the command exits, whatever
    it left running in its group is killed so the pipe reaches its end.
    """
    fd = process.stdout.fileno()
    os.set_blocking(fd, False)
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    lines: list[str] = []
    times: list[int] = []
    size = 0
    opened = None
    exited_at = None
    next_tick = time.monotonic() + limits.tick
    try:
        while True:
            now = time.monotonic()
            deadline = next_tick if opened is None else min(next_tick, opened + limits.interval)
            eof = False
            if selector.select(max(0.0, deadline - now)):
                try:
                    chunk = os.read(fd, READ_SIZE)
                except BlockingIOError:
                    chunk = None
                if chunk == b"":
                    eof = True
                elif chunk:
                    stamp = time.time_ns() // 1_000_000
                    new = splitter.feed(chunk)
                    if new:
                        lines.extend(new)
                        times.extend([stamp] * len(new))
                        size += len(chunk)
                        if opened is None:
                            opened = time.monotonic()
            if eof:
                break
            now = time.monotonic()
            full = len(lines) >= limits.max_lines or size >= limits.max_bytes
            if lines and (full or now - opened >= limits.interval):
                yield lines, times
                lines, times, size, opened = [], [], 0, None
                next_tick = now + limits.tick
            elif now >= next_tick:
                if process.poll() is not None:
                    # The leader is gone; anything it left behind would keep
                    # the pipe open forever.
                    signal_group(process, signal.SIGKILL)
                    exited_at = exited_at or now
                    if now - exited_at > limits.drain:
                        log.warning("pid %s exited but its output never ended", process.pid)
                        break
                yield [], []
                next_tick = time.monotonic() + limits.tick
        tail = splitter.finish()
        if tail:
            lines.extend(tail)
            times.extend([time.time_ns() // 1_000_000] * len(tail))
        if lines:
            yield lines, times
    finally:
        selector.close()
