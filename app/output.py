"""Cutting a command's raw output into log lines: pure logic, no I/O."""

from __future__ import annotations

import base64
import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import re2


def _char_boundary(data: bytes, limit: int) -> int:
    """The largest cut <= limit that does not split a UTF-8 sequence (when avoidable)."""
    cut = limit
    while cut > limit - 4 and cut > 0 and (data[cut] & 0xC0) == 0x80:
        cut -= 1
    return cut if cut > limit - 4 and cut > 0 else limit


def _without_cut_character(data: bytes) -> bytes:
    """``data`` less a UTF-8 sequence that its end cuts short (the rest is still to come)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: its lead is further back
            continue
        needed = 1 if byte < 0xC0 or byte >= 0xF8 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
        return data[:-back] if needed > back else data
    return data


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

    def showing(self) -> str | None:
        """What the unfinished line shows now if carriage returns redraw it (a progress
        bar): its last state that is not empty, as a terminal or the page shows it
        (a character the output has only begun shows once it is whole).
        None for an unfinished line without a carriage return, which shows as it ends."""
        if b"\r" not in self._partial:
            return None
        for state in reversed(bytes(self._partial).split(b"\r")):
            shown = _without_cut_character(state).decode("utf-8", "replace")
            if shown:
                return shown
        return None

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

# What the log page, its search or `builds tail` drop from a line before
# showing it: escape sequences (colours, cursor moves, titles; an unterminated
# string ends at the line's end or at a carriage return, where the page's
# view of a line starts) and the C0 and C1 controls but tab, newline and
# carriage return. A secret that these split is whole again once they are gone.
HIDDEN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # one class first: `re` skips ahead to it
    r"(?:(?<=\x1b)(?:"
    r"\[[0-?]*[ -/]*[@-~]"  # CSI, colours among them
    r"|\][^\x07\x1b\r\n]*(?:\x07|\x1b\\)?"  # OSC
    r"|[PX^_][^\x1b\r\n]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|[ -/]*[0-~]"  # the other escapes, ESC ( B among them
    r"))?"
)
# For the finder, in UTF-8 bytes: a run of anything HIDDEN could drop (and
# more: an escape is taken to run to the next escape or the line's end).
HIDDEN_RUN = rb"(?:[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]|\xc2[\x80-\x9f]|\x1b[^\x1b\r\n]*)*"
FINDER_PREFIX_BYTES = 16  # of each copy: enough to rule out nearly every line
FINDER_MAX_MEM = 8 << 20  # RE2's default budget; past it the finder is not built


def base64_copies(value: str) -> tuple[set[str], set[str]]:
    """The base64 forms of ``value`` (standard and URL-safe): the runs of
    characters that encode it inside any longer base64 text, at each of the
    three byte alignments, and its whole encodings (padded, unpadded, and of
    the value with the newline that `echo` adds).

    A run is only the characters that depend on the value's bytes alone, so
    each whole encoding contains the run of alignment 0.
    """
    try:  # an environment variable's undecodable bytes come back as they were
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogatepass")
    runs, wholes = set(), set()
    encoders: tuple[Callable[[bytes], bytes], ...] = (
        base64.b64encode, base64.urlsafe_b64encode
    )
    for encode in encoders:
        for skip in range(3):
            text = encode(b"\0" * skip + data).decode("ascii")
            first, end = -(-8 * skip // 6), 8 * (skip + len(data)) // 6
            runs.add(text[first:end])
        whole = encode(data).decode("ascii")
        wholes |= {whole, whole.rstrip("="), encode(data + b"\n").decode("ascii")}
    return runs, wholes


def compile_finder(probes: list[str]) -> Any:
    """One RE2 expression that finds the start of any probe, even with escape
    sequences or controls between its characters, in a single linear pass;
    None when it would not fit RE2's memory budget."""
    alternatives = []
    for probe in probes:
        data = probe.encode("utf-8", "surrogatepass")[:FINDER_PREFIX_BYTES]
        alternatives.append(HIDDEN_RUN.join(re2.escape(data[i : i + 1]) for i in range(len(data))))
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # bytes, not characters
    options.never_capture = True
    options.log_errors = False
    options.max_mem = FINDER_MAX_MEM
    try:
        return re2.compile(b"|".join(alternatives), options)
    except re2.error:
        return None


class SecretMasker:
    """Replaces secret values in log lines with ``***`` before they are stored.

    Besides exact copies it masks upper- and lower-case copies, base64 copies
    (see base64_copies), and copies that escape sequences or control
    characters split, which a viewer joins again when it drops them: such a
    line is stored without its escape sequences and controls, then masked.
    """

    def __init__(self, values: list[str]) -> None:
        # A value with newlines is masked line by line, so masking never
        # changes how many lines there are.
        pieces = {piece for value in values for piece in value.split("\n")}
        probes, copies = set(), set()
        for piece in pieces:
            probes |= {piece, piece.upper(), piece.lower()}
        for value in pieces | set(values):
            if len(value) >= MIN_SECRET_CHARS:
                runs, wholes = base64_copies(value)
                probes |= runs
                copies |= wholes
        # A text holds a copy only if it holds a probe: every longer copy
        # contains one. Longer copies are masked first.
        self.probes = sorted(p for p in probes if len(p) >= MIN_SECRET_CHARS and "\n" not in p)
        self.copies = sorted(
            (c for c in probes | copies if len(c) >= MIN_SECRET_CHARS and "\n" not in c),
            key=len, reverse=True,
        )
        self.copies_with = {
            probe: [copy for copy in self.copies if probe in copy] for probe in self.probes
        }
        self.finder = compile_finder(self.probes) if self.probes else None

    def may_hold_secret(self, text: str) -> bool:
        """False only if ``text`` holds no copy, whole or split by escapes or controls.

        This is the test every batch takes, so it is one linear RE2 pass.
        """
        if not self.probes:
            return False
        if self.finder is None:  # too many secrets for the finder: check each line
            return True
        return self.finder.search(text.encode("utf-8", "surrogatepass")) is not None

    def holds_secret(self, text: str) -> bool:
        """Whether ``text`` holds a whole copy of a secret, in any form this masks."""
        return any(probe in text for probe in self.probes)

    def replace(self, text: str) -> str:
        """``text`` with every whole copy of a secret replaced by ``***``."""
        found = [probe for probe in self.probes if probe in text]
        if not found:
            return text
        # Only the copies that hold a probe found can be there.
        for copy in sorted({c for probe in found for c in self.copies_with[probe]},
                           key=len, reverse=True):
            text = text.replace(copy, MASK)
        return text

    def mask(self, lines: list[str]) -> list[str]:
        """The lines as they may be stored: as many, with every copy masked."""
        if not self.probes:
            return lines
        text = "\n".join(lines)
        if not self.may_hold_secret(text):
            return lines
        masked = self.replace(text)
        result = masked.split("\n")
        if not self.may_hold_secret(masked):  # the usual case: whole copies, now masked
            return result
        for index in self._suspect_lines(masked):
            result[index] = self._mask_split(result[index])
        return result

    def mask_unfinished(self, text: str) -> str:
        """What a line that has no newline yet may show: masked as a stored line is,
        less an end that could be the start of a copy whose rest is still to come
        (a read of the output can stop halfway through a secret)."""
        text = self.mask([text])[0]
        cut = 0
        for copy in self.copies:
            for size in range(min(len(copy) - 1, len(text)), cut, -1):
                if text.endswith(copy[:size]):
                    cut = size
                    break
        return text[: len(text) - cut]

    def _suspect_lines(self, text: str) -> set[int]:
        """The indexes of the lines of ``text`` where a copy split by escapes or
        controls may start (the finder's matches never span lines)."""
        data = text.encode("utf-8", "surrogatepass")
        if self.finder is None:
            return set(range(data.count(b"\n") + 1))
        ends = list(accumulate(len(line) + 1 for line in data.split(b"\n")))
        return {bisect_right(ends, match.start()) for match in self.finder.finditer(data)}

    def _mask_split(self, line: str) -> str:
        """A line whose secret shows once escapes and controls are dropped
        loses them, and is masked."""
        bare = HIDDEN.sub("", line)
        return self.replace(bare) if self.holds_secret(bare) else line
