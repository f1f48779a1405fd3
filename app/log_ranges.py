"""Ranges of a build's log as the log API serves them: from a line on, or its
tail, each with the terminal style in effect where it starts.

A range costs what it returns, wherever it starts: lines come from
``archive.read_log`` (Redis ``LRANGE`` windows, or the archive's members), and
the style comes from the worker's index (the style entering every 1,000-line
block) folded over at most 999 lines, never from the log's beginning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import redis

from app.archive import PROBE_LINES, read_log, read_style_index
from app.sgr import STYLE_BLOCK_LINES, style_after

# The lines before a range are folded a window of at most this many bytes at a
# time, so a block of long lines never sits whole in memory nor holds the loop.
FOLD_BYTES = 256 * 1024


@dataclass
class LogRange:
    """Lines ``first``.. with their times, and the style in effect at the start of ``first``."""

    first: int
    lines: list[str]
    times: list[int]
    style: str


def read_range(
    client: redis.Redis, directory: str | Path, build_id: int, after: int, limit: int,
    max_bytes: int, total: int,
) -> LogRange:
    """Lines ``after``+1 .. ``after``+``limit`` within ``max_bytes`` (at least one);
    ``total`` is the log's length as last known."""
    lines, times = read_log(client, directory, build_id, after, limit, max_bytes)
    return LogRange(after + 1, lines, times,
                    style_at(client, directory, build_id, min(after, total)))


def read_tail(
    client: redis.Redis, directory: str | Path, build_id: int, count: int, max_bytes: int,
    total: int,
) -> LogRange:
    """The last ``count`` of ``total`` lines, or as many of the newest as fit
    ``max_bytes`` (at least one). Read backwards from the end, each window as
    many lines as the bytes left hold at the average size so far: a tail of long
    lines costs about what it returns, never its ``count`` of them."""
    start, end = max(0, total - count), total
    lines: list[str] = []
    times: list[int] = []
    size, asked = 0, PROBE_LINES
    while end > start and size < max_bytes:
        asked = min(end - start, asked)
        window, stamps = read_log(client, directory, build_id, end - asked, asked)
        if len(window) != asked:  # the log is shorter than its record says
            break
        taken = 0
        for line, stamp in zip(reversed(window), reversed(stamps), strict=True):
            entry_bytes = _entry_bytes(line, stamp)
            if (lines or taken) and size + entry_bytes > max_bytes:
                break
            size, taken = size + entry_bytes, taken + 1
        lines[:0], times[:0] = window[asked - taken:], stamps[asked - taken:]
        end -= taken
        if taken < asked:
            break
        asked = max(1, (max_bytes - size) // max(1, size // len(lines))) + 1
    return LogRange(end + 1, lines, times, style_at(client, directory, build_id, end))


def _entry_bytes(line: str, stamp: int) -> int:
    """The size of a line as stored ("<ms> <text>"), as reads bounded in bytes count it."""
    return len(line.encode("utf-8", "surrogatepass")) + len(str(stamp)) + 1


def style_at(client: redis.Redis, directory: str | Path, build_id: int, after: int) -> str:
    """The style in effect at the start of line ``after``+1: the index's entry for
    its block, folded over the block's lines before it (at most 999)."""
    block = after // STYLE_BLOCK_LINES
    style = read_style_index(client, directory, build_id, block) if block else ""
    position = block * STYLE_BLOCK_LINES
    while position < after:
        lines, _ = read_log(client, directory, build_id, position, after - position, FOLD_BYTES)
        if not lines:
            break
        style = style_after(style, "\n".join(lines))
        position += len(lines)
    return style

