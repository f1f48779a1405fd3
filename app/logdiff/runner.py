"""Comparisons run by the web process: each in a short-lived child process
(``python -m app.logdiff``), a few at a time, within a time limit, and
remembered once both builds have finished.

In the gevent server ``subprocess`` and ``threading`` are gevent's (server.py
patches them first thing), so waiting for a child or for a free slot lets every
other greenlet run: the comparison's CPU time is spent in another process,
never on the event loop.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from app.log_jobs import job_environment, start_job_process
from app.processes import signal_group

log = logging.getLogger(__name__)

MAX_RUNNING = 2
SLOT_WAIT_SECONDS = 10.0
TIME_LIMIT_SECONDS = 60.0
CACHE_BYTES = 64 << 20
CACHE_ENTRIES = 64


class Unavailable(Exception):
    """No answer now (every slot busy, the time limit hit, the child failed): a 503."""


class Comparisons:
    """Runs comparisons for one app and keeps finished builds' answers in memory."""

    def __init__(self, settings: Mapping[str, Any], max_running: int = MAX_RUNNING,
                 time_limit: float = TIME_LIMIT_SECONDS) -> None:
        self.env = job_environment(settings)
        self.slots = threading.BoundedSemaphore(max_running)
        self.time_limit = time_limit
        self.cache: OrderedDict[tuple, bytes] = OrderedDict()
        self.cache_bytes = 0
        self.runs = 0

    def answer(self, build_id: int, against: int, context: int,
               cache_key: tuple | None = None) -> bytes:
        """The JSON comparing the two builds; ``cache_key`` (both builds' uids, for two
        finished builds only) lets a later request reuse it."""
        if cache_key is not None and cache_key in self.cache:
            self.cache.move_to_end(cache_key)
            return self.cache[cache_key]
        if not self.slots.acquire(timeout=SLOT_WAIT_SECONDS):
            raise Unavailable("too many comparisons are running; try again in a moment")
        try:
            body = self._run(build_id, against, context)
        finally:
            self.slots.release()
        if cache_key is not None:
            self._remember(cache_key, body)
        return body

    def _run(self, build_id: int, against: int, context: int) -> bytes:
        self.runs += 1
        process = start_job_process(
            "app.logdiff", [str(build_id), str(against), str(context)], self.env)
        try:
            out, err = process.communicate(timeout=self.time_limit)
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            process.communicate()
            log.error("comparing build %s with %s took over %s s: stopped", build_id, against,
                      self.time_limit, extra={"build_id": build_id})
            raise Unavailable(
                f"comparing the logs took longer than {self.time_limit:.0f} s") from None
        if process.returncode != 0 or not out:
            log.error("comparing build %s with %s failed (exit %s): %s", build_id, against,
                      process.returncode, err.decode("utf-8", "replace")[-2000:],
                      extra={"build_id": build_id})
            raise Unavailable("the logs could not be compared; see the server's log")
        return out

    def _remember(self, key: tuple, body: bytes) -> None:
        if len(body) > CACHE_BYTES // 4 or key in self.cache:
            return
        self.cache[key] = body
        self.cache_bytes += len(body)
        while self.cache_bytes > CACHE_BYTES or len(self.cache) > CACHE_ENTRIES:
            _key, dropped = self.cache.popitem(last=False)
            self.cache_bytes -= len(dropped)
