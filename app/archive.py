"""Finished logs as compressed files: written once a build ends, read once Redis lets go.

``<dir>/<id>.log.gz`` holds the build's entries as Redis does ("<ms> <text>",
one a line) in independent gzip members of BLOCK_LINES lines, so ``zcat``
reads it whole and a reader can start at any block. ``<id>.index.json``
holds the members' offsets, the line count and the entries' SHA-256; it is
written last, after the compressed file was read back and checked, so an
index means a complete archive.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from app import store

log = logging.getLogger(__name__)

BLOCK_LINES = 10_000
ARCHIVE_POLL_SECONDS = 2.0
SWEEP_SECONDS = 3600.0
GZIP_WINDOW = 31  # zlib's wbits for one gzip member


class ArchiveError(Exception):
    """The archive read back differs from what was written."""


def paths(directory: str | Path, build_id: int) -> tuple[Path, Path]:
    base = Path(directory)
    return base / f"{build_id}.log.gz", base / f"{build_id}.index.json"


def _direct(function: Callable, *args: Any) -> Any:
    return function(*args)


def write_archive(
    client: redis.Redis, build_id: int, directory: str | Path, offload: Callable = _direct
) -> int:
    """Write the build's log to its archive and check it; returns the number of lines.

    ``offload(function, *args)`` runs the compression and the check, so a
    gevent process can hand them to a thread.
    """
    log_path, index_path = paths(directory, build_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    total = store.line_count(client, build_id)
    partial = log_path.with_name(log_path.name + ".partial")
    digest = hashlib.sha256()
    offsets = []
    with open(partial, "wb") as out:
        for start in range(0, total, BLOCK_LINES):
            entries = store.read_entries(client, build_id, start, BLOCK_LINES)
            block = b"".join(entry + b"\n" for entry in entries)
            digest.update(block)
            offsets.append(out.tell())
            out.write(offload(gzip.compress, block, 6))
        offsets.append(out.tell())
        out.flush()
        os.fsync(out.fileno())
    offload(_check, partial, digest.hexdigest(), total)
    index = {"lines": total, "block_lines": BLOCK_LINES, "offsets": offsets,
             "sha256": digest.hexdigest()}
    index_partial = index_path.with_name(index_path.name + ".partial")
    index_partial.write_text(json.dumps(index))
    os.replace(partial, log_path)
    os.replace(index_partial, index_path)
    return total


def _check(path: Path, expected_sha256: str, expected_lines: int) -> None:
    digest, lines = hashlib.sha256(), 0
    with gzip.open(path, "rb") as archive:
        while chunk := archive.read(1 << 20):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    if digest.hexdigest() != expected_sha256 or lines != expected_lines:
        raise ArchiveError(f"{path} does not read back as written")


def read_archive(
    directory: str | Path, build_id: int, after: int, limit: int
) -> tuple[list[str], list[int]] | None:
    """Lines ``after``+1 .. ``after``+``limit`` from the archive, or None without one."""
    log_path, index_path = paths(directory, build_id)
    try:
        index = json.loads(index_path.read_text())
    except (OSError, ValueError):
        return None
    offsets, block_lines = index["offsets"], index["block_lines"]
    entries: list[bytes] = []
    block = after // block_lines
    skip = after - block * block_lines
    with open(log_path, "rb") as archive:
        while len(entries) < skip + limit and block < len(offsets) - 1:
            archive.seek(offsets[block])
            member = archive.read(offsets[block + 1] - offsets[block])
            # Entries may hold carriage returns; only newlines end them.
            entries.extend(zlib.decompress(member, GZIP_WINDOW).split(b"\n")[:-1])
            block += 1
    return store.decode_entries(entries[skip : skip + limit])


def read_log(
    client: redis.Redis, directory: str | Path, build_id: int, after: int, limit: int
) -> tuple[list[str], list[int]]:
    """The build's lines from Redis while it holds them, else from the archive."""
    lines, times = store.read_lines(client, build_id, after, limit)
    if lines or limit <= 0 or store.has_log(client, build_id):
        return lines, times
    return read_archive(directory, build_id, after, limit) or ([], [])


def archive_pending(
    client: redis.Redis, directory: str | Path, keep_in_redis_seconds: int,
    offload: Callable = _direct,
) -> list[int]:
    """Archive every finished build waiting for it; returns the ids archived."""
    done = []
    while (build_id := store.claim_archive_job(client)) is not None:
        try:
            lines = write_archive(client, build_id, directory, offload)
        except (OSError, ArchiveError, redis.RedisError) as error:
            log.error("build %s: archiving failed: %s", build_id, error,
                      extra={"build_id": build_id})
            try:
                store.return_archive_job(client, build_id)
            except redis.RedisError:
                pass
            break
        store.shorten_log_ttl(client, build_id, keep_in_redis_seconds)
        log.info("build %s: %s lines archived", build_id, lines, extra={"build_id": build_id})
        done.append(build_id)
    return done


def delete_expired(directory: str | Path, retention_seconds: int) -> list[Path]:
    """Delete archives older than the retention, like Redis forgets their builds."""
    deleted = []
    cutoff = time.time() - retention_seconds
    for path in Path(directory).glob("*.index.json"):
        if path.stat().st_mtime < cutoff:
            build_id = path.name.split(".", 1)[0]
            for stale in (path, path.with_name(f"{build_id}.log.gz")):
                stale.unlink(missing_ok=True)
                deleted.append(stale)
    return deleted


def run_archiver(
    client: redis.Redis, directory: str | Path, keep_in_redis_seconds: int,
    retention_seconds: int, offload: Callable = _direct,
) -> None:
    """Archive finished builds as they come, and delete archives past retention."""
    import gevent

    last_sweep = 0.0
    while True:
        try:
            archive_pending(client, directory, keep_in_redis_seconds, offload)
        except redis.RedisError as error:
            log.warning("archiving skipped: %s", error)
        if time.monotonic() - last_sweep > SWEEP_SECONDS:
            last_sweep = time.monotonic()
            for path in delete_expired(directory, retention_seconds):
                log.info("deleted %s: past retention", path)
        gevent.sleep(ARCHIVE_POLL_SECONDS)
