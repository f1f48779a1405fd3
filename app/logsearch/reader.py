"""A whole log read for searching, a window of lines at a time, as bytes.

A window is the stored entries ("<ms> <text>") of consecutive lines, each
ended by a newline. From Redis they come by ``LRANGE`` of about 512 KB
(never more than MAX_WINDOW_LINES), so no command holds Redis up for more
than a moment while live viewers wait; from the archive they come a gzip
member (10,000 lines) at a time. A log that Redis lets go of during the read
(archived meanwhile) is read on from its archive.
"""

from __future__ import annotations

import collections
import queue
import socket
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import hiredis
import redis

from app import archive, store

WINDOW_BYTES = 512 << 10
FIRST_WINDOW_LINES = 256  # until the entries read say how long they are
MAX_WINDOW_LINES = 10_000
READ_AHEAD = 2
RECEIVE_BYTES = 1 << 20
INFLATERS = 2

# Lines before it, its bytes, and whether they are a raw LRANGE reply (else
# the entries, each ended by a newline).
Window = tuple[int, bytes, bool]


def open_log(
    client: redis.Redis, directory: str | Path, build_id: int
) -> tuple[int, Iterator[Window]]:
    """How many lines the log has now, and its windows up to that line."""
    stored = store.read_stored(client, build_id, 0, 0)
    if stored.in_redis or stored.archive is None:
        total = store.line_count(client, build_id)
        return total, _redis_windows(client, directory, build_id, total)
    found = archived_blocks(directory, stored.archive, build_id, stored.uid, 0)
    if found is None:
        return 0, iter(())
    total, first, blocks = found
    return total, _block_windows(blocks, first, 0)


def _redis_windows(
    client: redis.Redis, directory: str | Path, build_id: int, total: int
) -> Iterator[Window]:
    """Windows of about WINDOW_BYTES each (sized by the entries read so far), two
    asked for at a time so Redis prepares one while the other is searched."""
    replies, counts = RawReplies(client), collections.deque()
    key = store.lines_key(build_id)
    asked, done, size = 0, 0, FIRST_WINDOW_LINES
    try:
        while done < total:
            while asked < total and len(counts) < READ_AHEAD:
                counts.append(min(size, total - asked))
                replies.send("LRANGE", key, asked, asked + counts[-1] - 1)
                asked += counts[-1]
            reply, asked_for = replies.receive(), counts.popleft()
            lines = reply_length(reply)
            if lines:
                yield done, reply, True
                done += lines
                size = max(1, min(MAX_WINDOW_LINES, WINDOW_BYTES * lines // len(reply)))
            if lines < asked_for:  # the list is gone: the rest is in the archive, if any
                yield from _archived_from(client, directory, build_id, done, total)
                return
    finally:
        replies.close()


def _archived_from(
    client: redis.Redis, directory: str | Path, build_id: int, after: int, total: int
) -> Iterator[Window]:
    """The rest of a log Redis no longer holds, from its archive, if it has one."""
    stored = store.read_stored(client, build_id, after, 0)
    if stored.archive is None:
        return
    found = archived_blocks(directory, stored.archive, build_id, stored.uid, after)
    if found is not None:
        _lines, first, blocks = found
        yield from (w for w in _block_windows(blocks, first, after) if w[0] < total)


def archived_blocks(
    directory: str | Path, name: str, build_id: int, uid: str | None, after: int
) -> tuple[int, int, Iterator[bytes]] | None:
    """The archive's line count, the lines before the block holding line
    ``after``+1, and the blocks from that one on, each decompressed whole when
    it is reached; None when the archive is missing or not this build's."""
    index = archive._index(directory, name, build_id, uid)
    if index is None:
        return None
    block = after // index["block_lines"]
    log_path = archive.paths(directory, name)[0]
    blocks = _members(log_path, index["offsets"], block)
    return index["lines"], block * index["block_lines"], blocks


def _members(log_path: Path, offsets: list[int], first: int) -> Iterator[bytes]:
    """The gzip members from number ``first`` on, each decompressed, INFLATERS at
    once (zlib lets go of the GIL). The members lie one after another: after the
    first, each is read from where the last ended."""
    with open(log_path, "rb") as archived, ThreadPoolExecutor(INFLATERS) as inflaters:
        if offsets[first]:
            archived.seek(offsets[first])
        inflating: collections.deque = collections.deque()
        for start, end in zip(offsets[first:-1], offsets[first + 1:], strict=False):
            member = archived.read(end - start)
            inflating.append(inflaters.submit(zlib.decompress, member, archive.GZIP_WINDOW))
            if len(inflating) > INFLATERS:
                yield inflating.popleft().result()
        while inflating:
            yield inflating.popleft().result()


def _block_windows(blocks: Iterator[bytes], first: int, after: int) -> Iterator[Window]:
    """The blocks as windows, the first one's lines up to line ``after`` left out."""
    for block in blocks:
        if first < after:
            skip = after - first
            cut = 0
            for _ in range(skip):
                cut = block.index(b"\n", cut) + 1
            block, first = block[cut:], after
        if block:
            yield first, block, False
        first += block.count(b"\n")


def reply_length(reply: bytes) -> int:
    """How many entries a raw ``LRANGE`` reply holds."""
    return int(reply[1:reply.index(b"\r")])


def reply_window(reply: bytes) -> bytes:
    """A raw ``LRANGE`` reply as a window: its entries, each ended by a newline."""
    parser = hiredis.Reader()
    parser.feed(reply)
    entries = parser.gets()
    return b"\n".join(entries) + b"\n" if entries else b""


class RawReplies:
    """Commands whose replies are read as the bytes Redis sends, not parsed into a
    Python object per entry: a search looks for its text in a window's raw reply
    first, and most windows end there. Each command goes on a connection of its
    own, so a reply's end is where its count of newlines says (a log entry holds
    none: ``LRANGE``'s reply has two per entry and one more)."""

    def __init__(self, client: redis.Redis) -> None:
        self.pool = client.connection_pool
        self.waiting: collections.deque = collections.deque()

    def send(self, *command: Any) -> None:
        connection = self.pool.get_connection()
        self.waiting.append(connection)
        try:
            connection.send_command(*command)
        except BaseException:
            self._drop(self.waiting.pop())
            raise

    def receive(self) -> bytes:
        connection = self.waiting.popleft()
        try:
            reply = _read_array(connection._sock)
        except BaseException:
            self._drop(connection)
            raise
        self.pool.release(connection)
        return reply

    def close(self) -> None:
        while self.waiting:  # replies nobody will read: their connections go
            self._drop(self.waiting.popleft())

    def _drop(self, connection: Any) -> None:
        connection.disconnect()
        self.pool.release(connection)


def _read_array(sock: socket.socket) -> bytes:
    """One array reply of bulk strings without newlines, as sent."""
    data, buffer = bytearray(), bytearray(RECEIVE_BYTES)
    view, newlines, needed = memoryview(buffer), 0, 0
    while not needed or newlines < needed:
        size = sock.recv_into(view)
        if not size:
            raise redis.ConnectionError("Redis closed the connection")
        newlines += buffer.count(b"\n", 0, size)
        data += view[:size]
        if not needed and newlines:
            head = bytes(data[: data.index(b"\n") - 1])
            if head[:1] != b"*":
                raise redis.ResponseError(head[1:].decode("utf-8", "replace"))
            needed = 2 * max(int(head[1:]), 0) + 1
    return bytes(data)


def read_ahead(windows: Iterator[Window], depth: int = READ_AHEAD) -> Iterator[Window]:
    """``windows``, read by a thread up to ``depth`` ahead of the consumer: Redis
    answers (or zlib inflates, which lets go of the GIL) while a window is searched.
    A consumer that stops early stops the thread too, which closes ``windows``."""
    ready: queue.Queue = queue.Queue(depth)
    stop, end = threading.Event(), object()

    def produce() -> None:
        try:
            for window in windows:
                if stop.is_set():
                    return
                ready.put(window)
        except BaseException as error:  # handed to the consumer, raised there
            ready.put(error)
            return
        ready.put(end)

    threading.Thread(target=produce, daemon=True, name="search-read-ahead").start()
    try:
        while (item := ready.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while not ready.empty():  # a producer waiting to put one more sees the stop
            ready.get_nowait()
