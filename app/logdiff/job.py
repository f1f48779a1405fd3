"""One comparison, in the short-lived process that ``runner`` starts: read both
logs, normalise them, compare them, and answer the API's JSON.

Work is split over two processes (this one, single-threaded and holding no
connection when it forks, and a forked copy): each reads one log; then each
normalises half of the distinct lines of both logs, as most lines of two runs of
a recipe are the same text and need normalising once.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Mapping
from itertools import chain
from typing import Any

import redis

from app.archive import read_log
from app.logdiff import hunks
from app.logdiff.volatile import without_own_id, without_own_paths, without_volatile
from app.redis_connection import redis_client

READ_LINES = 50_000
READ_BYTES = 8 << 20

# What the comparing process is given: how to reach Redis and the archive.
SETTINGS = (
    "REDIS_URL", "REDIS_TLS_CA_FILE", "REDIS_TLS_CERT_FILE", "REDIS_TLS_KEY_FILE",
    "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD", "ARCHIVE_DIR",
)


def read_whole_log(client: redis.Redis, archive_dir: str, build_id: int) -> list[str]:
    """Every line of the build's log, from Redis or its archive, a chunk at a time."""
    lines: list[str] = []
    while True:
        chunk, _times = read_log(client, archive_dir, build_id, len(lines), READ_LINES,
                                 READ_BYTES)
        if not chunk:
            return lines
        lines += chunk


def read_text(settings: Mapping[str, Any], build_id: int) -> str:
    """The build's whole log as one text, lines joined by newlines."""
    client = redis_client(settings, "diff", 1)
    try:
        return "\n".join(read_whole_log(client, settings["ARCHIVE_DIR"], build_id))
    finally:
        client.close()


def in_a_fork(function: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """Start ``function(*args)`` in a forked process; returns a function that waits
    for its result."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the forked process: answer through the pipe, then leave at once
        os.close(reader)
        status = 1
        try:
            with os.fdopen(writer, "wb") as out:
                pickle.dump(function(*args), out, protocol=5)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)

    def result() -> Any:
        with os.fdopen(reader, "rb") as source:
            data = source.read()
        _pid, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            raise RuntimeError(f"{function.__name__} failed in the forked process")
        return pickle.loads(data)

    return result


def split(text: str) -> list[str]:
    return text.split("\n") if text else []


def normalised_pair(a_text: str, a_id: int, b_text: str, b_id: int) -> tuple[list, list]:
    """Both logs' lines normalised: each distinct line once, half of them in a fork."""
    a_lines = split(without_own_paths(a_text, a_id))
    b_lines = split(without_own_paths(b_text, b_id))
    distinct = list(dict.fromkeys(chain(a_lines, b_lines)))
    half = len(distinct) // 2
    first_half = in_a_fork(without_volatile, "\n".join(distinct[:half]))
    second_half = split(without_volatile("\n".join(distinct[half:])))
    tokens = dict(zip(distinct, split(first_half()) + second_half, strict=True))
    a_keys = without_own_id("\n".join(map(tokens.__getitem__, a_lines)), a_id)
    b_keys = without_own_id("\n".join(map(tokens.__getitem__, b_lines)), b_id)
    return split(a_keys), split(b_keys)


def compare_builds(
    settings: Mapping[str, Any], build_id: int, against: int, context: int
) -> dict[str, Any]:
    """The API's answer comparing build ``build_id`` (b) with build ``against`` (a)."""
    older = in_a_fork(read_text, settings, against)
    b_text = read_text(settings, build_id)
    a_text = older()
    a_keys, b_keys = normalised_pair(a_text, against, b_text, build_id)
    a_lines, b_lines = split(a_text), split(b_text)
    answer: dict[str, Any] = {"build": build_id, "against": against}
    answer.update(hunks.compare(a_lines, b_lines, a_keys, b_keys, context))
    answer["log_lines"] = {"a": len(a_lines), "b": len(b_lines)}
    return answer
