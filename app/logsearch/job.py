"""One search, in the short-lived process that ``runner`` starts: the log read a
window at a time, each window scanned, the records written as they are found.

The records (the API's NDJSON, in this order): ``{"build", "range"}`` first
(the lines searched: the log as stored when the search began); then
``{"matches": [[line, count], ...], "scanned"}`` for windows with matches, and
now and then one without, so a reader sees the progress; last
``{"done": true, "total", "scanned", "stopped"}``, where ``stopped`` is null,
"limit" (MAX_MATCHES occurrences found before the end) or "time".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from app.logsearch.matcher import Search
from app.logsearch.reader import open_log, read_ahead, reply_length, reply_window

MAX_MATCHES = 100_000
TIME_LIMIT_SECONDS = 10.0
PROGRESS_SECONDS = 0.25

Record = dict[str, Any]


def first_lines(window: bytes, count: int) -> bytes:
    """The first ``count`` lines of ``window`` (all of them when it has fewer)."""
    if window.count(b"\n") <= count:
        return window
    end = 0
    for _ in range(count):
        end = window.find(b"\n", end) + 1
        if end == 0:
            return window
    return window[:end]


def window_matches(
    search: Search, stored: bytes, raw: bool, lines: int
) -> list[tuple[int, int]]:
    """The matches in the first ``lines`` lines of a window (or raw reply)."""
    if raw and not search.may_match(stored, raw=True):
        return []
    window = reply_window(stored) if raw else stored
    return search.scan(first_lines(window, lines))


def search_log(
    client: redis.Redis, directory: str | Path, build_id: int, search: Search,
    write: Callable[[Record], None], time_limit: float = TIME_LIMIT_SECONDS,
    max_matches: int = MAX_MATCHES,
) -> Record:
    """Search the build's log as stored now, writing each record; returns the last."""
    started = time.monotonic()
    total, windows = open_log(client, directory, build_id)
    write({"build": build_id, "range": [1, total]})
    found, scanned, stopped, written = 0, 0, None, started
    for first, stored, raw in read_ahead(windows):
        if first >= total:
            break
        lines = reply_length(stored) if raw else stored.count(b"\n")
        matches = []
        for index, count in window_matches(search, stored, raw, min(lines, total - first)):
            matches.append([first + index + 1, count])
            found += count
            if found >= max_matches:
                break
        scanned = matches[-1][0] if found >= max_matches else min(first + lines, total)
        if matches or time.monotonic() - written >= PROGRESS_SECONDS:
            write({"matches": matches, "scanned": scanned})
            written = time.monotonic()
        if scanned < total and found >= max_matches:
            stopped = "limit"
        elif scanned < total and time.monotonic() - started > time_limit:
            stopped = "time"
        if stopped:
            break
    last = {"done": True, "total": found, "scanned": scanned, "stopped": stopped}
    write(last)
    return last
