"""Which lines of a window of stored entries a search matches, and how often.

Pure: a window is the entries of consecutive lines ("<ms> <text>"), each ended
by a newline, as bytes; ``Search.scan`` answers ``[(index, count), ...]`` for
the lines whose displayed text (``display.plain_text``) holds the query,
``index`` counted from 0 in the window and ``count`` the non-overlapping
occurrences, as the page's ``matcherFor`` counts them.

Most windows display as they are stored (no escape codes, no control
characters): they are searched as one bytes string, a query's bytes found by
``bytes.find`` (ASCII case folded by ``bytes.lower``), and line numbers come
from counting newlines up to each hit. Only windows that need it are decoded
and cleaned (``display_window``), and only a regex needs the stamps cut away.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import re2

from app.logsearch.display import display_window, displayed, shows_as_stored
from app.recipes import PatternError, compile_pattern

MAX_QUERY_CHARS = 200
# What a regex must not match but where it may be looked for: each is "" or
# a word, a space, punctuation, a tab; an expression matching nothing in them
# can still match nothing elsewhere (``\b(?:)``), and such empty matches are
# skipped as the page skips them.
EMPTY_PROBES = ("", "a", " ", "a b", "-", "\t", "0")
# What makes a regex's matches in many lines differ from its matches in each
# line alone: text-boundary anchors and turning multi-line mode off.
WHOLE_TEXT_SYNTAX = re.compile(r"\\[Az]|\(\?[a-zA-Z]*-[a-zA-Z]*m")
STAMP = re.compile(rb"^[^ \n]*(?: |$)", re.MULTILINE)
# What display takes away between two characters of a line: escape sequences.
ESCAPED_GAP = "(?:\\x1b[^\\n]*)?"
# Characters the display puts where a log has control characters.
PICTURES = re.compile("[\u2400-\u2421\ufffd]")
Hit = tuple[int, int]


class QueryError(ValueError):
    """A search that cannot be run, in a sentence for the person who asked."""


def js_fold(char: str) -> str:
    """A character as JavaScript's case-insensitive (non-Unicode) RegExp compares
    it: its upper case when that is one UTF-16 unit, and never ASCII for a
    character outside ASCII."""
    if ord(char) > 0xFFFF:
        return char
    upper = char.upper()
    if len(upper) != 1 or (ord(char) >= 128 and ord(upper) < 128):
        return char
    return upper


@functools.cache
def _fold_classes() -> dict[str, list[str]]:
    classes: dict[str, list[str]] = {}
    for code in range(0x10000):
        if not 0xD800 <= code < 0xE000:
            classes.setdefault(js_fold(chr(code)), []).append(chr(code))
    return classes


def folded_pieces(query: str) -> list[str]:
    """An RE2 expression for each character of ``query`` matching it
    case-insensitively as the page does."""
    if query.isascii():
        return [f"[{c.lower()}{c.upper()}]" if c.isalpha() else re2.escape(c) for c in query]
    classes, pieces = _fold_classes(), []
    for char in query:
        members = classes.get(js_fold(char), [char])
        if len(members) == 1:
            pieces.append(re2.escape(char))
        else:
            pieces.append("[" + "".join(f"\\x{{{ord(m):x}}}" for m in members) + "]")
    return pieces


def folded_pattern(query: str) -> str:
    """An RE2 expression matching ``query`` case-insensitively as the page does."""
    return "".join(folded_pieces(query))


def check_regex(query: str, case: bool) -> None:
    """Raise QueryError when RE2 refuses ``query`` or it matches an empty string."""
    try:
        compile_pattern(query)  # alone first: then it is safe inside a group
        expression = compile_pattern(query if case else f"(?i:{query})")
    except PatternError as error:
        raise QueryError(f"RE2 cannot use this regex: {error}") from None
    for probe in EMPTY_PROBES:
        if any(m.start() == m.end() for m in expression.finditer(probe)):
            raise QueryError("the regex matches an empty text; it must match at least"
                             " one character")


def check_query(query: str, regex: bool, case: bool) -> None:
    """Raise QueryError for a search that cannot be run."""
    if not query:
        raise QueryError("q must not be empty")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"q is longer than {MAX_QUERY_CHARS} characters")
    if regex:
        check_regex(query, case)
    elif "\n" in query or "\r" in query:
        raise QueryError("q must be one line: a log line holds no line break")


def valid(window: bytes) -> bool:
    """Whether ``window`` is well-formed UTF-8 (a regex sees bad bytes as U+FFFD)."""
    try:
        window.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Search:
    """One query, compiled once, scanning windows."""

    def __init__(self, query: str, regex: bool = False, case: bool = False) -> None:
        check_query(query, regex, case)
        self.query = query
        self.regex = regex
        # Text with U+FFFD can only be found where bad UTF-8 was replaced by it.
        self.always_decode = "\ufffd" in query
        self.next_hit = self._regex_hits(query, case) if regex else self._plain_hits(query, case)
        self.fold = not regex and not case and query.isascii()
        self.quick_test = None if PICTURES.search(query) else self._quick_test(query, case)
        self.escaped_test = None
        if self.quick_test is not None and not regex:
            self.escaped_test = self._escaped_test(query, case)

    def _quick_test(self, query: str, case: bool) -> Any:
        """An RE2 expression that finds every match (and maybe more) in a window as
        stored, when the window shows as stored but for what the query cannot
        match: text after carriage returns, control characters' symbols. (A regex
        with ``^`` would not find a line's start after its stamp: it has none.)"""
        if self.regex:
            return None if "^" in query or self.per_line else self.expression
        return compile_pattern(re2.escape(query) if case else f"(?i:{re2.escape(query)})")

    @staticmethod
    def _escaped_test(query: str, case: bool) -> Any:
        """The quick test of plain text for windows with escape codes: the query's
        characters, each maybe followed by what display takes away (an ESC and
        whatever follows it on its line), so codes inside a word hide nothing."""
        pieces = [re2.escape(c) for c in query] if case else folded_pieces(query)
        return compile_pattern(ESCAPED_GAP.join(pieces))

    def _plain_hits(self, query: str, case: bool) -> Callable[[bytes, int], Hit | None]:
        if case or query.isascii():
            needle = query.encode("utf-8") if case else query.lower().encode("ascii")
            size = len(needle)

            def found(text: bytes, start: int) -> Hit | None:
                at = text.find(needle, start)
                return None if at < 0 else (at, at + size)

            return found
        return self._expression_hits(compile_pattern(folded_pattern(query)))

    def _regex_hits(self, query: str, case: bool) -> Callable[[bytes, int], Hit | None]:
        self.per_line = WHOLE_TEXT_SYNTAX.search(query) is not None
        flags = "m" if case else "mi"
        self.expression = compile_pattern(f"(?{flags}:{query})")
        return self._expression_hits(self.expression)

    @staticmethod
    def _expression_hits(expression) -> Callable[[bytes, int], Hit | None]:
        def found(text: bytes, start: int) -> Hit | None:
            match = expression.search(text, start)
            return None if match is None else match.span()

        return found

    def may_match(self, stored: bytes, raw: bool = False) -> bool:
        """False only when no line in ``stored`` (a window, or with ``raw`` the raw
        ``LRANGE`` reply of one) can match: it shows as stored (no escape codes,
        which, taken out, join the text around them; for a regex, no control
        characters or bad UTF-8 either) and the quick test finds nothing in it.
        In a raw reply a text ends before a carriage return, where a regex's ``$``
        does not match: such a regex is never tested there."""
        if self.quick_test is None:
            return True
        if b"\x1b" in stored:
            return self.escaped_test is None or self.escaped_test.search(stored) is not None
        if self.regex:
            framing = stored.count(b"\n") if raw else 0
            if (raw and "$" in self.query) or not (
                    shows_as_stored(stored, framing=framing) and valid(stored)):
                return True
        return self.quick_test.search(stored) is not None

    def scan(self, window: bytes) -> list[tuple[int, int]]:
        """``(index, count)`` of every matching line of ``window``, in order."""
        if not self.may_match(window):
            return []
        if self.always_decode or (self.regex and not valid(window)):
            window = display_window(window).lower() if self.fold else display_window(window)
        else:
            window = displayed(window, self.fold)
        if self.regex:
            return self._scan_texts(STAMP.sub(b"", window))
        return self._scan_entries(window)

    def _scan_entries(self, window: bytes) -> list[tuple[int, int]]:
        """Plain text: hits in a line's stamp, or reaching into it, do not count."""
        found: list[tuple[int, int]] = []
        index, line_start, at = 0, 0, 0
        while (hit := self.next_hit(window, at)) is not None:
            start, end = hit
            newlines = window.count(b"\n", line_start, start)
            if newlines:
                index += newlines
                line_start = window.rfind(b"\n", line_start, start) + 1
            space = window.find(b" ", line_start)
            if space < 0 or start <= space:  # in the stamp, or a stamp without text
                at = start + 1
                continue
            if found and found[-1][0] == index:
                found[-1] = (index, found[-1][1] + 1)
            else:
                found.append((index, 1))
            at = end
        return found

    def _scan_texts(self, window: bytes) -> list[tuple[int, int]]:
        """A regex over the texts alone; a match across lines, or an expression that
        needs each line alone, has its lines searched one at a time."""
        if self.per_line:
            return self._scan_lines(window.split(b"\n")[:-1], range(window.count(b"\n")))
        counts: dict[int, int] = {}
        recheck: set[int] = set()
        index, line_start = 0, 0
        for match in self.expression.finditer(window):
            start, end = match.span()
            if start == end:
                continue
            newlines = window.count(b"\n", line_start, start)
            if newlines:
                index += newlines
                line_start = window.rfind(b"\n", line_start, start) + 1
            spanned = window.count(b"\n", start, end)
            if spanned:
                recheck.update(range(index, index + spanned + 1))
            else:
                counts[index] = counts.get(index, 0) + 1
        if recheck:
            lines = window.split(b"\n")
            counts.update(self._scan_lines(lines, sorted(recheck)))
            counts = {i: n for i, n in counts.items() if n}
        return sorted(counts.items())

    def _scan_lines(self, lines: list[bytes], indices) -> list[tuple[int, int]]:
        found = []
        for index in indices:
            count = sum(1 for m in self.expression.finditer(lines[index]) if m.end() > m.start())
            found.append((index, count))
        return [item for item in found if item[1]] if self.per_line else found
