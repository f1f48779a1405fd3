"""Running one command in its own process group and reading its output in batches.

Nothing here knows about Redis or Celery: the caller decides what a batch is for.
"""

from __future__ import annotations

import fcntl
import logging
import os
import selectors
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.output import LineSplitter
from app.processes import signal_group, start_group, stop_group

__all__ = ["BatchLimits", "OutputReader", "signal_group", "start_command", "stop_group"]

log = logging.getLogger(__name__)

READ_SIZE = 1 << 20
PIPE_BYTES = 1 << 20
BUSY_READ_BYTES = 8192
BUSY_PAUSE = 0.002
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux
# How often the reader looks at what an unfinished line shows (a progress bar).
UNFINISHED_LOOK_SECONDS = 0.25


@dataclass(frozen=True)
class BatchLimits:
    """How output is handed to the writer."""

    # While output keeps coming, at most one batch per interval; the first
    # line after a quiet spell goes at once.
    interval: float = 0.05
    max_lines: int = 5000
    max_bytes: int = 1 << 20
    # How far the reader may run ahead of a slow writer before the command's
    # pipe is left to fill (and the command to wait).
    buffer_bytes: int = 64 << 20
    tick: float = 0.25
    # After the command exits, how long to wait for the pipe to close: a
    # process that left its group (setsid) could hold it open forever.
    drain: float = 5.0


@dataclass
class Batch:
    lines: list[str]
    times: list[int]
    ended: bool  # the output has ended and this is the last of it


def start_command(command: Sequence[str], cwd: str, env: Mapping[str, str]) -> subprocess.Popen:
    """Start ``command`` with stdout and stderr merged into one pipe, leading its
    own process group, so a stop reaches everything it started."""
    process = start_group(command, cwd=cwd, env=env, stdout=subprocess.PIPE)
    # A roomier pipe lets a fast command run on while the reader is briefly
    # off the CPU, instead of blocking every 64 KB.
    try:
        fcntl.fcntl(process.stdout.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass  # the system's pipe-max-size is smaller: the default pipe works too
    return process


class OutputReader:
    """Reads a command's output on its own thread, so the command never waits
    for the writer unless the writer falls a whole buffer behind.

    Each line is stamped (ms since the epoch, never decreasing) when it is read.
    Every UNFINISHED_LOOK_SECONDS at most it also notes what the unfinished line
    shows when carriage returns redraw it (``unfinished``): one clock read per
    chunk is all that costs the output's flow.
    """

    def __init__(self, process: subprocess.Popen, splitter: LineSplitter, limits: BatchLimits):
        self.process = process
        self.splitter = splitter
        self.limits = limits
        self._ready = threading.Condition()
        self._chunks: deque[tuple[int, list[str], int]] = deque()  # (stamp, lines, bytes)
        self._lines = 0
        self._bytes = 0
        self._ended = False
        self._stopped = False
        self._last_stamp = 0
        self._put_lines = 0  # every line handed over so far
        # (lines handed over when it was looked at, what the unfinished line showed)
        self._unfinished: tuple[int, str | None] = (0, None)
        self._next_look = 0.0
        self._thread = threading.Thread(
            target=self._read, name=f"output-of-{process.pid}", daemon=True
        )
        self._thread.start()

    def _read(self) -> None:
        fd = self.process.stdout.fileno()
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        try:
            while not self._stopped:
                if not selector.select(self.limits.tick):
                    self._look_at_unfinished()  # a progress bar that paused shows its state
                    continue
                chunk = os.read(fd, READ_SIZE)
                if not chunk:
                    break
                lines = self.splitter.feed(chunk)
                if lines:
                    self._put(lines, len(chunk))
                if time.monotonic() >= self._next_look:
                    self._look_at_unfinished()
                if len(chunk) >= BUSY_READ_BYTES:
                    # Output is pouring in: let it gather in the pipe for a
                    # moment, so each read (and each line split) covers more.
                    time.sleep(BUSY_PAUSE)
            tail = self.splitter.finish()
            if tail and not self._stopped:
                self._put(tail, 0)
        except OSError as error:
            log.warning("reading the output of pid %s failed: %s", self.process.pid, error)
        finally:
            selector.close()
            with self._ready:
                self._ended = True
                self._ready.notify_all()

    def _look_at_unfinished(self) -> None:
        self._next_look = time.monotonic() + UNFINISHED_LOOK_SECONDS
        showing = self.splitter.showing()
        if showing is None and self._unfinished[1] is None:
            return
        with self._ready:  # paired with the lines handed over before it, which it follows
            self._unfinished = (self._put_lines, showing)

    def unfinished(self) -> str | None:
        """What the line after every line taken so far shows while it has no newline
        yet, when carriage returns redraw it; None when it does not, or when lines
        read since are still to be taken (then it is not that line)."""
        with self._ready:
            looked_after, showing = self._unfinished
            if self._lines or looked_after != self._put_lines:
                return None
            return showing

    def _put(self, lines: list[str], size: int) -> None:
        stamp = max(self._last_stamp, time.time_ns() // 1_000_000)
        self._last_stamp = stamp
        with self._ready:
            while self._bytes >= self.limits.buffer_bytes and not self._stopped:
                self._ready.wait(self.limits.tick)
            self._chunks.append((stamp, lines, size))
            self._put_lines += len(lines)
            self._lines += len(lines)
            self._bytes += size
            self._ready.notify_all()

    def take(self, earliest: float, latest: float) -> Batch:
        """The next batch: lines once there are some and ``earliest`` (monotonic)
        has passed or a batch is full; an empty batch at ``latest``."""
        limits = self.limits
        with self._ready:
            while not self._ended:
                now = time.monotonic()
                if self._lines and (now >= earliest or self._lines >= limits.max_lines):
                    break
                if now >= latest:
                    break
                self._ready.wait(max(0.0, (earliest if self._lines else latest) - now))
            lines: list[str] = []
            times: list[int] = []
            size = 0
            while self._chunks and len(lines) < limits.max_lines and size < limits.max_bytes:
                stamp, chunk_lines, chunk_size = self._chunks[0]
                room = limits.max_lines - len(lines)
                if len(chunk_lines) > room:
                    self._chunks[0] = (stamp, chunk_lines[room:], chunk_size // 2)
                    chunk_lines, chunk_size = chunk_lines[:room], chunk_size - chunk_size // 2
                else:
                    self._chunks.popleft()
                lines.extend(chunk_lines)
                times.extend([stamp] * len(chunk_lines))
                size += chunk_size
            self._lines -= len(lines)
            self._bytes -= size
            self._ready.notify_all()
            return Batch(lines, times, self._ended and not self._chunks)

    def stop(self) -> None:
        """Stop reading (the command is gone or given up on) and let the thread end."""
        with self._ready:
            self._stopped = True
            self._ready.notify_all()
        self._thread.join(self.limits.tick * 4)
