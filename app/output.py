"""Cutting a command's raw output into log lines: pure logic, no I/O."""

from __future__ import annotations

from collections import deque


def _char_boundary(data: bytes, limit: int) -> int:
    """The largest cut <= limit that does not split a UTF-8 sequence (when avoidable)."""
    cut = limit
    while cut > limit - 4 and cut > 0 and (data[cut] & 0xC0) == 0x80:
        cut -= 1
    return cut if cut > limit - 4 and cut > 0 else limit


def decode_line(raw: bytes) -> str:
    """Bytes of one line as text: invalid UTF-8 becomes U+FFFD, never an error."""
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    return raw.decode("utf-8", "replace")


class LineSplitter:
    """Feeds on output chunks and hands back complete lines.

    A line longer than ``max_line_bytes`` is split into pieces of at most that
    size, so one runaway line can never hold the whole log hostage.
    """

    def __init__(self, max_line_bytes: int) -> None:
        self.max_line_bytes = max_line_bytes
        self._partial = bytearray()

    def feed(self, chunk: bytes) -> list[str]:
        if not chunk:
            return []
        self._partial += chunk
        if b"\n" not in chunk and len(self._partial) <= self.max_line_bytes:
            return []
        end = self._partial.rfind(b"\n")
        complete = bytes(self._partial[:end]) if end >= 0 else b""
        self._partial = self._partial[end + 1 :]
        lines = self._lines_of(complete) if end >= 0 else []
        if len(self._partial) > self.max_line_bytes:
            lines.extend(self._split_long(bytes(self._partial), keep_tail=True))
        return lines

    def _lines_of(self, complete: bytes) -> list[str]:
        """The lines of newline-separated bytes: decoded in one step unless one is too long."""
        pieces = complete.split(b"\n") if len(complete) > self.max_line_bytes else []
        if any(len(piece) > self.max_line_bytes for piece in pieces):
            lines = []
            for piece in pieces:
                if len(piece) > self.max_line_bytes:
                    lines.extend(self._split_long(piece, keep_tail=False))
                else:
                    lines.append(decode_line(piece))
            return lines
        # "\n" never occurs inside a UTF-8 sequence, so decoding the whole run
        # at once replaces exactly the bytes that decoding each line would.
        text = complete.decode("utf-8", "replace")
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if text.endswith("\r"):
                text = text[:-1]
        return text.split("\n")

    def finish(self) -> list[str]:
        """The unterminated last line, if the command ended without a newline."""
        rest, self._partial = bytes(self._partial), bytearray()
        return [decode_line(rest)] if rest else []

    def _split_long(self, data: bytes, keep_tail: bool) -> list[str]:
        lines = []
        while len(data) > self.max_line_bytes:
            cut = _char_boundary(data, self.max_line_bytes)
            lines.append(data[:cut].decode("utf-8", "replace"))
            data = data[cut:]
        if keep_tail:
            self._partial = bytearray(data)
        elif data:
            lines.append(decode_line(data))
        return lines


class LogBudget:
    """Keeps a log near ``max_bytes``: its head up to the limit, then its tail.

    Past the limit one notice line is written and later lines are held back,
    keeping only the last ``tail_lines``; when the build ends, ``finish``
    hands back a line saying how many were omitted, then that tail. The
    build itself goes on; only the stored log stops growing.
    """

    HELD_BACK = (
        "[buildtail] the log reached its {limit:,}-byte limit: later lines are held back,"
        " and the last {tail:,} of them will follow when the build ends"
    )
    OMITTED = "[buildtail] {omitted:,} lines omitted; the last {kept:,} lines follow"

    def __init__(self, max_bytes: int, tail_lines: int = 1000) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self.truncated = False
        self.finished = False
        self.held = 0  # lines held back since the limit was reached
        self.tail: deque[tuple[str, int]] = deque(maxlen=tail_lines)

    def admit(self, lines: list[str], times: list[int]) -> tuple[list[str], list[int]]:
        """The part of a batch to write now, with the notice when the limit is first reached."""
        if self.truncated:
            self._hold(lines, times, 0)
            return [], []
        size = len("\n".join(lines).encode("utf-8", "replace")) + 1
        if self.used + size <= self.max_bytes:
            self.used += size
            return lines, times
        kept = 0
        for line in lines:
            size = len(line.encode("utf-8", "replace")) + 1
            if self.used + size > self.max_bytes:
                break
            self.used += size
            kept += 1
        self.truncated = True
        self._hold(lines, times, kept)
        notice = self.HELD_BACK.format(limit=self.max_bytes, tail=self.tail.maxlen)
        return lines[:kept] + [notice], times[:kept] + [times[kept]]

    def _hold(self, lines: list[str], times: list[int], start: int) -> None:
        self.held += len(lines) - start
        self.tail.extend(zip(lines[start:], times[start:], strict=True))

    def finish(self, now_ms: int) -> tuple[list[str], list[int]]:
        """What the end of a truncated log gets: how many lines were omitted, then the tail."""
        if not self.truncated or self.finished:
            return [], []
        self.finished = True
        omitted = self.held - len(self.tail)
        lines = [self.OMITTED.format(omitted=omitted, kept=len(self.tail))]
        times = [self.tail[0][1] if self.tail else now_ms]
        lines.extend(line for line, _ in self.tail)
        times.extend(stamp for _, stamp in self.tail)
        self.tail.clear()
        return lines, times


MASK = "***"
MIN_SECRET_CHARS = 4  # shorter values would mask ordinary words and numbers


class SecretMasker:
    """Replaces secret values in log lines with ``***`` before they are stored."""

    def __init__(self, values: list[str]) -> None:
        # A value with newlines is masked line by line, so masking never
        # changes how many lines there are; longer secrets go first.
        pieces = {piece for value in values for piece in value.split("\n")}
        self.secrets = sorted(
            (piece for piece in pieces if len(piece) >= MIN_SECRET_CHARS), key=len, reverse=True
        )

    def mask(self, lines: list[str]) -> list[str]:
        if not self.secrets:
            return lines
        text = "\n".join(lines)
        if not any(secret in text for secret in self.secrets):
            return lines
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text.split("\n")
