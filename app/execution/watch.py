"""A running command watched to its end: its output into the log, and a stop
when it is cancelled, times out, or leaves output that never ends."""

from __future__ import annotations

import logging
import signal
import subprocess
import time

import redis

from app import store
from app.execution.lease import LeaseKeeper
from app.execution.log_writer import LogWriter
from app.execution.outcome import Outcome, describe_exit
from app.output import LineSplitter
from app.runner import BatchLimits, OutputReader, signal_group, stop_group
from app.settings import Settings

log = logging.getLogger(__name__)

CHECK_INTERVAL = 0.25  # seconds between looks at cancel and timeout


def cancel_requested(client: redis.Redis, build_id: int) -> bool:
    """Whether someone asked to cancel; while Redis is away, nobody could have."""
    try:
        return store.cancel_requested(client, build_id)
    except redis.RedisError:
        return False


def batch_limits(settings: Settings) -> BatchLimits:
    return BatchLimits(
        interval=settings.FLUSH_INTERVAL_MS / 1000,
        max_lines=settings.FLUSH_MAX_LINES,
        max_bytes=settings.FLUSH_MAX_BYTES,
    )


class CommandWatch:
    """Reads a started command's output in batches and writes each to the log;
    between batches, looks at cancel and timeout, and tells viewers what a line
    redrawn by carriage returns shows before its newline comes. Holds the
    build's lease meanwhile."""

    def __init__(
        self, client: redis.Redis, build_id: int, process: subprocess.Popen, writer: LogWriter,
        settings: Settings, timeout: float,
    ) -> None:
        self.client = client
        self.build_id = build_id
        self.process = process
        self.writer = writer
        self.limits = batch_limits(settings)
        self.reader = OutputReader(process, LineSplitter(settings.MAX_LINE_BYTES),
                                   self.limits)
        self.lease_seconds = settings.LEASE_SECONDS
        self.grace = float(settings.CANCEL_GRACE_SECONDS)
        self.deadline = time.monotonic() + timeout
        self.next_check = 0.0
        self.last_write = 0.0
        self.exited_at: float | None = None
        self.stopped: Outcome | None = None
        self.partial_shown: tuple[int, str] | None = None

    def run(self) -> Outcome:
        """Until the output ends; then how the command ended."""
        lease = LeaseKeeper(self.client, self.build_id, self.lease_seconds)
        try:
            while self._write_next_batch():
                self._check()
                self._show_unfinished()
            self.writer.finish()
        except store.NotRunning:
            log.warning("build %s was finished elsewhere; stopping its command", self.build_id)
            stop_group(self.process, self.grace)
            raise
        finally:
            self.reader.stop()
            lease.stop()
            if self.process.poll() is None:
                stop_group(self.process, self.grace)
        if self.stopped:
            self.stopped.exit_code = self.process.returncode
            return self.stopped
        return describe_exit(self.process.returncode)

    def _write_next_batch(self) -> bool:
        """Write what the command printed; False once its output has ended."""
        batch = self.reader.take(self.last_write + self.limits.interval,
                                 time.monotonic() + CHECK_INTERVAL)
        if batch.lines:
            self.writer.write(batch.lines, batch.times)
            self.last_write = time.monotonic()
        if batch.ended:
            return False
        if not batch.lines and self.process.poll() is not None:
            return self._wait_for_the_pipe()
        return True

    def _show_unfinished(self) -> None:
        """Publish what the next line shows so far (a progress bar), masked, when it
        changed. The reader looks at it every quarter of a second at most; nothing
        is stored, and the line itself is written as usual when its newline comes."""
        showing = self.reader.unfinished()
        if showing is None or self.writer.budget.truncated:
            return
        line = self.writer.written + 1
        text = self.writer.masker.mask_unfinished(showing)
        if not text or (line, text) == self.partial_shown:
            return
        self.partial_shown = (line, text)
        try:
            store.publish_partial(self.client, self.build_id, line, text)
        except redis.RedisError as error:  # the line itself comes when Redis is back
            log.debug("build %s: progress of line %s not published: %s",
                      self.build_id, line, error)

    def _wait_for_the_pipe(self) -> bool:
        """The leader is gone; anything it left in its group would keep the pipe
        open, and one that left the group is given ``drain`` seconds."""
        signal_group(self.process, signal.SIGKILL)
        now = time.monotonic()
        self.exited_at = self.exited_at or now
        if now - self.exited_at > self.limits.drain:
            log.warning("build %s: the output never ended after its command exited",
                        self.build_id)
            return False
        return True

    def _check(self) -> None:
        """Every CHECK_INTERVAL: stop the command if it was cancelled or is past its timeout."""
        now = time.monotonic()
        if self.stopped or now < self.next_check:
            return
        self.next_check = now + CHECK_INTERVAL
        if cancel_requested(self.client, self.build_id):
            self.stopped = Outcome(store.CANCELLED)
        elif now >= self.deadline:
            self.stopped = Outcome(store.FAILED, "timed out")
        if self.stopped:
            stop_group(self.process, self.grace)
