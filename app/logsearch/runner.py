"""Searches run by the web process: each in a short-lived child process
(``python -m app.logsearch``), a few at a time, within a time limit, its
records relayed to the client as the child writes them.

In the gevent server ``subprocess`` and ``threading`` are gevent's (server.py
patches them first thing), so reading the child's output, waiting for a free
slot and the time limit's timer let every other greenlet run: the scanning is
done in another process, never on the event loop. A client that goes away
stops its search: the relay notices when it next writes (the child writes a
progress record every few tenths of a second while it reads), or when the
child has been quiet for CHECK_SECONDS, and kills the child.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from app.log_jobs import job_environment, start_job_process
from app.logsearch.job import TIME_LIMIT_SECONDS
from app.processes import signal_group
from app.serving import client_left

log = logging.getLogger(__name__)

# A search that finds every slot busy waits this long for one (the page says
# "searching…" meanwhile), then is refused.
SLOT_WAIT_SECONDS = 10.0
# The child stops itself at the time limit; past this much more it is killed.
KILL_GRACE_SECONDS = 3.0
CHECK_SECONDS = 0.5
READ_BYTES = 1 << 16


class Unavailable(Exception):
    """No search now (every slot busy, no child process): a 503."""


def search_slots() -> int:
    """How many searches run at once: one for every two cores this process may
    use, at least one. A search keeps a core and a share of Redis busy for as
    long as it reads; on two cores a second one at once slowed live viewers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // 2)


class Searches:
    """Starts one app's searches and bounds how many run at once."""

    def __init__(self, settings: Mapping[str, Any], max_running: int | None = None,
                 time_limit: float = TIME_LIMIT_SECONDS) -> None:
        self.env = job_environment(settings)
        self.max_running = max_running or search_slots()
        self.slots = threading.BoundedSemaphore(self.max_running)
        self.time_limit = time_limit

    def start(self, build_id: int, query: str, regex: bool, case: bool,
              environ: dict | None = None) -> SearchStream:
        """The records of a new search, to be read by iterating (and then closed)."""
        if not self.slots.acquire(timeout=SLOT_WAIT_SECONDS):
            raise Unavailable(f"every search slot is busy ({self.max_running} at a time here);"
                              " try again in a moment")
        request = {"build": build_id, "q": query, "regex": regex, "case": case,
                   "time_limit": self.time_limit}
        try:
            process = start_job_process("app.logsearch", [json.dumps(request)], self.env)
        except OSError as error:
            self.slots.release()
            log.error("build %s: a search could not start: %s", build_id, error,
                      extra={"build_id": build_id})
            raise Unavailable("the search could not start; see the server's log") from None
        return SearchStream(self, process, build_id, environ or {})


class SearchStream:
    """One search's NDJSON records as its child writes them: a WSGI body, whose
    ``close`` (called by the server when the response ends, or the client left)
    kills the child if it still runs and frees its slot."""

    def __init__(self, searches: Searches, process: subprocess.Popen, build_id: int,
                 environ: dict) -> None:
        self.searches = searches
        self.process = process
        self.build_id = build_id
        self.environ = environ
        self.closed = False
        self.timed_out = False
        self.client_left = False
        self.done = False
        self.total = 0
        self.scanned = 0

    def __iter__(self) -> Iterator[bytes]:
        timer = threading.Timer(self.searches.time_limit + KILL_GRACE_SECONDS, self._time_up)
        timer.daemon = True
        timer.start()
        try:
            for record in self._records():
                yield record
                if self.done:
                    return
            if not self.client_left:
                yield from self._last_record()
        finally:
            timer.cancel()
            self.close()

    def _records(self) -> Iterator[bytes]:
        """The child's records as it writes them, each checked off (its count and
        how far it read); ends when the child's output does, or the client left
        (looked at whenever the child is quiet for CHECK_SECONDS)."""
        output, pending = self.process.stdout.fileno(), b""
        while True:
            readable, _, _ = select.select([output], [], [], CHECK_SECONDS)
            if not readable:
                self.client_left = client_left(self.environ)
                if self.client_left:
                    return
                continue
            chunk = os.read(output, READ_BYTES)
            if not chunk:
                return
            *complete, pending = (pending + chunk).split(b"\n")
            for line in complete:
                record = json.loads(line)
                found = sum(count for _line, count in record.get("matches", ()))
                self.total = record.get("total", self.total + found)
                self.scanned = record.get("scanned", self.scanned)
                self.done = bool(record.get("done"))
                yield line + b"\n"

    def _time_up(self) -> None:
        self.timed_out = True
        signal_group(self.process, signal.SIGKILL)

    def _last_record(self) -> Iterator[bytes]:
        """How a search whose child stopped without its last record ends: killed at
        the time limit, with the record saying so; failed, with none (a reader
        sees the stream end early) and the reason in the server's log."""
        self.process.wait()
        if self.timed_out:
            record = {"done": True, "total": self.total, "scanned": self.scanned,
                      "stopped": "time"}
            yield json.dumps(record, separators=(",", ":")).encode() + b"\n"
            return
        error = self.process.stderr.read().decode("utf-8", "replace")[-2000:]
        log.error("build %s: the search failed (exit %s): %s", self.build_id,
                  self.process.returncode, error, extra={"build_id": self.build_id})

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if self.process.poll() is None:
                signal_group(self.process, signal.SIGKILL)
            self.process.wait()
            self.process.stdout.close()
            self.process.stderr.close()
        finally:
            self.searches.slots.release()
