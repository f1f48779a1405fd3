"""Finished logs as compressed files: written once a build ends, read once Redis lets go.

Every file of a build is named by its identity, ``<id>-<uid>``: the uid is
random and kept in the build's record, so a build id that comes again (Redis
lost its data, two installations share a directory) never opens another
build's file. A reader opens only the archive its build's record names, and
the index says whose it is.

``<name>.log.gz`` holds the build's entries as Redis does ("<ms> <text>",
one a line) in independent gzip members of BLOCK_LINES lines, so ``zcat``
reads it whole and a reader can start at any block. ``<name>.index.json``
holds the owner, the members' offsets, the line count, the entries' SHA-256
and the log's CRC-32; it is written last, after the compressed file was read
back and checked against what the worker recorded, so an index means a
complete archive of exactly the log the worker wrote.

``<name>.marks.jsonl`` keeps what the worker found in the log: its first line
is the JSON list of the steps, then one JSON annotation a line; the index's
``marks`` gives their counts and the byte offset of every MARKS_BLOCK-th
annotation, so a page of them is read from near where it starts. The index's
``styles`` is the worker's style index as Redis held it (block number -> the
terminal style entering it), so a range read from the archive starts in the
same colours as one read from Redis.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import logging
import os
import random
import re
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import redis

from app import store

log = logging.getLogger(__name__)

BLOCK_LINES = 10_000
ARCHIVE_POLL_SECONDS = 2.0
SWEEP_SECONDS = 3600.0
GZIP_WINDOW = 31  # zlib's wbits for one gzip member
# A read bounded in bytes first takes this many lines, to learn their size.
PROBE_LINES = 64
WRITE_BYTES = 4 * 1024 * 1024  # the archiver reads a log this much at a time
MARKS_BLOCK = 1000  # annotations between two offsets in the index
# Names the archiver writes: "<id>-<uid>", or "<id>" for builds recorded before uids.
ARCHIVE_NAME = re.compile(r"^[0-9]+(-[0-9a-f]{16})?$")


class ArchiveError(Exception):
    """An archive that cannot be written or trusted; ``build_id`` says whose."""

    def __init__(self, build_id: int, message: str) -> None:
        super().__init__(f"build {build_id}: {message}")
        self.build_id = build_id


class LogMismatch(ArchiveError):
    """The log in Redis is not the one its worker wrote: never archived, never retried."""


def archive_name(build_id: int, uid: str | None) -> str:
    return f"{build_id}-{uid}" if uid else str(build_id)


def paths(directory: str | Path, name: str) -> tuple[Path, Path]:
    base = Path(directory)
    return base / f"{name}.log.gz", base / f"{name}.index.json"


def marks_path(directory: str | Path, name: str) -> Path:
    return Path(directory) / f"{name}.marks.jsonl"


def _direct(function: Callable, *args: Any) -> Any:
    return function(*args)


def write_archive(
    client: redis.Redis, build_id: int, directory: str | Path, offload: Callable = _direct
) -> int:
    """Write the build's log to its archive, check it and record it; returns the line count.

    ``offload(function, *args)`` runs the compression and the check, so a
    gevent process can hand them to a thread. Raises ArchiveError when the
    log in Redis no longer matches the checksum its worker recorded: such a
    log is left where it is rather than archived as if it were whole.
    """
    facts = store.archive_facts(client, build_id)
    name = archive_name(build_id, facts["uid"])
    log_path, index_path = paths(directory, name)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    partial = log_path.with_name(log_path.name + ".partial")
    total, offsets, sha256, crc = _write_blocks(client, build_id, partial, offload)
    offload(_check, partial, sha256, total, build_id)
    _check_against_record(build_id, facts, total, crc)
    marks_partial = partial.with_name(marks_path(directory, name).name + ".partial")
    marks = _write_marks(client, build_id, marks_partial)
    index = {"build": build_id, "uid": facts["uid"], "lines": total, "block_lines": BLOCK_LINES,
             "offsets": offsets, "sha256": sha256, "crc32": crc, "marks": marks,
             "styles": {str(block): style for block, style
                        in sorted(store.read_all_styles(client, build_id).items())}}
    index_partial = index_path.with_name(index_path.name + ".partial")
    index_partial.write_text(json.dumps(index))
    os.replace(partial, log_path)
    os.replace(marks_partial, marks_path(directory, name))
    os.replace(index_partial, index_path)
    store.mark_archived(client, build_id, name)
    return total


def _write_blocks(
    client: redis.Redis, build_id: int, partial: Path, offload: Callable
) -> tuple[int, list[int], str, int]:
    """The log in gzip members; returns its line count, the members' offsets,
    the entries' SHA-256 and the CRC-32 of the text as log.txt serves it.

    Each member is compressed as its entries come, a few megabytes at a time,
    so a log of long lines never sits whole in the web process's memory."""
    total = store.line_count(client, build_id)
    digest, crc, offsets = hashlib.sha256(), 0, []
    with open(partial, "wb") as out:
        for start in range(0, total, BLOCK_LINES):
            offsets.append(out.tell())
            member = zlib.compressobj(6, zlib.DEFLATED, GZIP_WINDOW)
            end = min(start + BLOCK_LINES, total)
            while start < end:
                entries = read_entries_within(client, build_id, start, end - start, WRITE_BYTES)
                if not entries:
                    raise ArchiveError(build_id, f"the log ended at line {start} of {total}")
                block = b"".join(entry + b"\n" for entry in entries)
                digest.update(block)
                crc = offload(_text_crc, entries, crc)
                out.write(offload(member.compress, block))
                start += len(entries)
            out.write(offload(member.flush))
        offsets.append(out.tell())
        out.flush()
        os.fsync(out.fileno())
    return total, offsets, digest.hexdigest(), crc


def _write_marks(client: redis.Redis, build_id: int, partial: Path) -> dict[str, Any]:
    """The build's steps and annotations as Redis holds them (JSON already), into
    ``partial``; returns their counts and the annotations' block offsets."""
    offsets, annotations, steps = [], 0, 0
    with open(partial, "wb") as out:
        chunks = iter(store.read_all_marks(client, build_id, MARKS_BLOCK))
        records = next(chunks)
        steps = len(records)
        out.write(b"[" + b",".join(records) + b"]\n")
        for chunk in chunks:
            offsets.append(out.tell())
            out.write(b"".join(entry + b"\n" for entry in chunk))
            annotations += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return {"annotations": annotations, "steps": steps, "block": MARKS_BLOCK,
            "offsets": offsets}


def _text_crc(entries: list[bytes], crc: int) -> int:
    """Continue the CRC-32 over the entries' text (each "<ms> <text>") plus newlines."""
    return zlib.crc32(b"".join(entry.partition(b" ")[2] + b"\n" for entry in entries), crc)


def _check(path: Path, expected_sha256: str, expected_lines: int, build_id: int) -> None:
    digest, lines = hashlib.sha256(), 0
    with gzip.open(path, "rb") as archive:
        while chunk := archive.read(1 << 20):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    if digest.hexdigest() != expected_sha256 or lines != expected_lines:
        raise ArchiveError(build_id, f"{path} does not read back as written")


def _check_against_record(build_id: int, facts: dict, lines: int, crc: int) -> None:
    """The log read from Redis is the one the worker wrote: same lines, same CRC-32."""
    if facts["crc_lines"] in (None, ""):
        return  # recorded before checksums, or never written to
    if int(facts["crc_lines"]) != lines or int(facts["log_crc32"]) != crc:
        raise LogMismatch(
            build_id,
            f"the log in Redis ({lines} lines, crc32 {crc}) differs from what its worker "
            f"wrote ({facts['crc_lines']} lines, crc32 {facts['log_crc32']}); not archived",
        )


def read_archive(
    directory: str | Path, name: str, build_id: int, uid: str | None, after: int, limit: int,
    max_bytes: int | None = None,
) -> tuple[list[str], list[int]] | None:
    """Lines ``after``+1 .. ``after``+``limit`` (within ``max_bytes``) of the archive
    ``name``, or None when there is none, or it is not this build's."""
    index = _index(directory, name, build_id, uid)
    if index is None:
        return None
    entries = _read_blocks(paths(directory, name)[0], index, after, limit,
                           max_bytes or sys.maxsize)
    return store.decode_entries(within(entries, max_bytes))


def _index(directory: str | Path, name: str, build_id: int, uid: str | None) -> dict | None:
    """The index of the archive ``name``, if there is one and it is this build's."""
    if not ARCHIVE_NAME.match(name):
        return None
    index_path = paths(directory, name)[1]
    try:
        index = json.loads(index_path.read_text())
    except (OSError, ValueError):
        return None
    if index.get("build", build_id) != build_id or index.get("uid") != uid:
        log.error("build %s: %s belongs to another build", build_id, index_path,
                  extra={"build_id": build_id})
        return None
    return index


def _read_blocks(
    log_path: Path, index: dict, after: int, limit: int, max_bytes: int
) -> list[bytes]:
    """Entries from the member holding line ``after``+1 on, decompressed a
    megabyte at a time and kept only from there: a read costs what it returns."""
    offsets, block_lines = index["offsets"], index["block_lines"]
    block = after // block_lines
    skip = after - block * block_lines
    entries: list[bytes] = []
    size = 0
    with open(log_path, "rb") as archive:
        while block < len(offsets) - 1:
            archive.seek(offsets[block])
            member = archive.read(offsets[block + 1] - offsets[block])
            for entry in _member_entries(member):
                if skip:
                    skip -= 1
                    continue
                entries.append(entry)
                size += len(entry)
                if len(entries) >= limit or size >= max_bytes:
                    return entries
            block += 1
    return entries


def _member_entries(member: bytes) -> Iterator[bytes]:
    """The entries of one gzip member, as they are decompressed. Entries may
    hold carriage returns; only newlines end them."""
    inflater = zlib.decompressobj(GZIP_WINDOW)
    pending, data = b"", member
    while data:
        pending += inflater.decompress(data, 1 << 20)
        data = inflater.unconsumed_tail
        *complete, pending = pending.split(b"\n")
        yield from complete
    pending += inflater.flush()
    yield from pending.split(b"\n")[:-1]


def within(entries: list[bytes], max_bytes: int | None) -> list[bytes]:
    """The longest run of entries from the first that fits ``max_bytes`` (at least one)."""
    if max_bytes is None:
        return entries
    size = 0
    for count, entry in enumerate(entries):
        size += len(entry)
        if size > max_bytes:
            return entries[: max(count, 1)]
    return entries


def read_log(
    client: redis.Redis, directory: str | Path, build_id: int, after: int, limit: int,
    max_bytes: int | None = None,
) -> tuple[list[str], list[int]]:
    """Lines ``after``+1 .. ``after``+``limit``, at most ``max_bytes`` of them (but at
    least one), from Redis while it holds them, else from the archive the build's
    record names: the one reader of logs for pages, the API and socket replays."""
    if limit <= 0:
        return [], []
    stored = store.read_stored(client, build_id, after,
                               min(limit, PROBE_LINES) if max_bytes else limit)
    if stored.entries or stored.in_redis or stored.archive is None:
        return store.decode_entries(
            _read_on(client, build_id, after, limit, max_bytes, stored.entries))
    found = read_archive(directory, stored.archive, build_id, stored.uid, after, limit, max_bytes)
    return found or ([], [])


def read_annotations(
    client: redis.Redis, directory: str | Path, build_id: int, after: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Annotations ``after``+1 .. ``after``+``limit`` and how many there are, from
    Redis while it holds them, else from the archive the build's record names:
    the one reader of annotations."""
    stored = store.read_stored_annotations(client, build_id, after, limit)
    if stored.in_redis or stored.archive is None:
        return stored.items, stored.total
    index = _index(directory, stored.archive, build_id, stored.uid)
    marks = index.get("marks") if index else None
    if not marks:
        return [], 0
    total, block = marks["annotations"], marks["block"]
    if after >= total or limit <= 0:
        return [], total
    skip = after % block
    try:
        with open(marks_path(directory, stored.archive), "rb") as archived:
            archived.seek(marks["offsets"][after // block])
            lines = list(itertools.islice(archived, skip, skip + limit))
    except OSError:
        return [], 0
    return [json.loads(line) for line in lines], total


def read_steps(client: redis.Redis, directory: str | Path, build_id: int) -> list[dict[str, Any]]:
    """Every step of the build in the order of their lines, from Redis while it
    holds them, else from the archive: the one reader of steps."""
    stored = store.read_stored_steps(client, build_id)
    if stored.in_redis or stored.archive is None:
        return stored.items
    index = _index(directory, stored.archive, build_id, stored.uid)
    if not index or not index.get("marks"):
        return []
    try:
        with open(marks_path(directory, stored.archive), "rb") as archived:
            return json.loads(archived.readline())
    except (OSError, ValueError):
        return []


def read_style_index(client: redis.Redis, directory: str | Path, build_id: int, block: int) -> str:
    """The style entering ``block`` by the worker's index ("" for the default), from
    Redis while it holds the log, else from the archive: the one reader of the index."""
    stored = store.read_stored_style(client, build_id, block)
    if stored.in_redis or stored.archive is None:
        return stored.style
    index = _index(directory, stored.archive, build_id, stored.uid)
    return (index or {}).get("styles", {}).get(str(block), "")


def read_entries_within(
    client: redis.Redis, build_id: int, after: int, limit: int, max_bytes: int
) -> list[bytes]:
    """Stored entries ``after``+1.. from Redis: at most ``limit``, and ``max_bytes``
    of them (at least one)."""
    probe = store.read_entries(client, build_id, after, min(limit, PROBE_LINES))
    return _read_on(client, build_id, after, limit, max_bytes, probe)


def _read_on(
    client: redis.Redis, build_id: int, after: int, limit: int, max_bytes: int | None,
    probe: list[bytes],
) -> list[bytes]:
    """From ``probe`` (the first PROBE_LINES entries read, or all ``limit`` without
    ``max_bytes``), read on, each time as many entries as the bytes left hold at
    the average size so far, then cut to ``max_bytes``: a log of long lines never
    costs a full ``limit`` of them in memory."""
    if max_bytes is None or len(probe) < min(limit, PROBE_LINES):
        return within(probe, max_bytes)
    entries, size = probe, sum(map(len, probe))
    while len(entries) < limit and size < max_bytes:
        average = max(1, size // len(entries))
        asked = min(limit - len(entries), max(1, (max_bytes - size) // average))
        more = store.read_entries(client, build_id, after + len(entries), asked)
        entries += more
        size += sum(map(len, more))
        if len(more) < asked:
            break
    return within(entries, max_bytes)


def archive_pending(
    client: redis.Redis, directory: str | Path, keep_in_redis_seconds: int,
    offload: Callable = _direct,
) -> list[int]:
    """Archive every finished build waiting for it; returns the ids archived.

    A build that cannot be archived now (a full or unwritable directory, Redis
    away) goes back in the queue and the error is raised with its build id,
    for the guard that runs this loop to log, count and retry after a pause.
    """
    done = []
    while (build_id := store.claim_archive_job(client)) is not None:
        try:
            lines = write_archive(client, build_id, directory, offload)
        except LogMismatch as error:
            log.error("%s", error, extra={"build_id": build_id})
            continue
        except (OSError, ArchiveError, redis.RedisError) as error:
            _return_job(client, build_id)
            if isinstance(error, ArchiveError):
                raise
            raise ArchiveError(build_id, f"archiving failed: {error}") from error
        store.shorten_log_ttl(client, build_id, keep_in_redis_seconds)
        log.info("build %s: %s lines archived", build_id, lines, extra={"build_id": build_id})
        done.append(build_id)
    return done


def _return_job(client: redis.Redis, build_id: int) -> None:
    try:
        store.return_archive_job(client, build_id)
    except redis.RedisError:
        log.warning("build %s: could not queue it for archiving again", build_id,
                    extra={"build_id": build_id})


ARCHIVE_SUFFIXES = (".log.gz", ".index.json", ".marks.jsonl", ".partial")


def delete_expired(directory: str | Path, retention_seconds: int) -> list[Path]:
    """Delete archive files older than the retention, like Redis forgets their builds.

    Each file goes by its own age, so leftovers of an interrupted write and
    files whose build Redis never knew (orphans) go too. Another process
    sweeping the same directory may delete a file first: that is no error.
    """
    deleted = []
    cutoff = time.time() - retention_seconds
    for path in Path(directory).iterdir() if Path(directory).is_dir() else ():
        if not path.name.endswith(ARCHIVE_SUFFIXES):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted.append(path)
        except FileNotFoundError:
            continue
    return deleted


class Archiver:
    """One pass at a time, run by a guard: archive what finished, and now and
    then delete what is past retention. Sweeps are spread out in time, so web
    processes sharing ARCHIVE_DIR do not all sweep at once."""

    def __init__(
        self, client: redis.Redis, directory: str | Path, keep_in_redis_seconds: int,
        retention_seconds: int, offload: Callable = _direct,
    ) -> None:
        self.client = client
        self.directory = directory
        self.keep_in_redis_seconds = keep_in_redis_seconds
        self.retention_seconds = retention_seconds
        self.offload = offload
        self.next_sweep = time.monotonic() + random.uniform(0, 60)

    def run(self) -> None:
        """Forever: every ARCHIVE_POLL_SECONDS a pass; errors reach the guard."""
        import gevent

        while True:
            self.run_once()
            gevent.sleep(ARCHIVE_POLL_SECONDS)

    def run_once(self) -> None:
        archive_pending(self.client, self.directory, self.keep_in_redis_seconds, self.offload)
        if time.monotonic() >= self.next_sweep:
            self.next_sweep = time.monotonic() + SWEEP_SECONDS * random.uniform(0.9, 1.1)
            for path in delete_expired(self.directory, self.retention_seconds):
                log.info("deleted %s: past retention", path)
