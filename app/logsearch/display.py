"""A log line's displayed text, as the page shows it: the Python twin of
``plainText`` in app/static/src/ansi.js (both pass tests/plain_text_cases.json).

A progress line (carriage returns) shows its last state; escape sequences are
dropped, a stray ESC shows as "␛", other control characters as their symbols
(C0 as U+2400.., DEL as U+2421, C1 as U+FFFD). ``display_window`` does the same
to many stored entries at once, each "<ms> <text>" a line, keeping the stamps.
"""

from __future__ import annotations

import re

# ansi.js's NON_SGR, STRAY_ESCAPE, CONTROL and SGR, character for character.
NON_SGR = re.compile(
    r"\x1b\[(?![0-9;:]*m)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[P^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\\]-_]"
)
# The same for many lines joined by newlines: a title or device string that
# never ends stops at its line's end, as it does in a line alone.
NON_SGR_LINES = re.compile(
    r"\x1b\[(?![0-9;:]*m)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?"
    r"|\x1b[P^_][^\x1b\n]*(?:\x1b\\)?|\x1b[@-Z\\\]-_]"
)
STRAY_ESCAPE = re.compile(r"\x1b(?!\[)")
SGR = re.compile(r"\x1b\[[0-9;:]*m")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]")
# Lines holding a carriage return, in many lines joined by newlines.
PROGRESS_LINE = re.compile(r"[^\n]*\r[^\n]*")
# What a stored window holds that its display changes: C0 controls but tab and
# newline, DEL, and C1 controls (U+0080..U+009F, "\xc2\x80".."\xc2\x9f" in UTF-8).
# Deleting bytes with ``bytes.translate`` finds the first kind ten times faster
# than a regular expression does.
RAW_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
RAW_C1 = re.compile(rb"\xc2[\x80-\x9f]")
ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def last_state(text: str) -> str:
    """A line rewritten by carriage returns, as it was left: its last non-empty part."""
    if "\r" not in text:
        return text
    for part in reversed(text.split("\r")):
        if part:
            return part
    return ""


def _picture(match: re.Match) -> str:
    code = ord(match.group())
    if code > 0x7F:
        return "\ufffd"
    return chr(0x2421 if code == 0x7F else 0x2400 + code)


def control_pictures(text: str) -> str:
    """``text`` with each control character but tab, newline and ESC as its symbol."""
    return CONTROL.sub(_picture, text) if CONTROL.search(text) else text


def plain_text(raw: str) -> str:
    """The characters the page displays for the log line ``raw``, without styling."""
    text = last_state(raw)
    if "\x1b" in text:
        text = STRAY_ESCAPE.sub("\u241b", NON_SGR.sub("", text))
    text = control_pictures(text)
    return SGR.sub("", text) if "\x1b" in text else text


def _progress_entry(match: re.Match) -> str:
    stamp, space, text = match.group().partition(" ")
    return stamp + space + last_state(text)


def display_window(window: bytes) -> bytes:
    """Stored entries ("<ms> <text>", each ended by a newline) with every text
    replaced by its ``plain_text``, as UTF-8."""
    text = window.decode("utf-8", "replace")
    if "\r" in text:
        text = PROGRESS_LINE.sub(_progress_entry, text)
    if "\x1b" in text:
        text = STRAY_ESCAPE.sub("\u241b", NON_SGR_LINES.sub("", text))
    text = control_pictures(text)
    if "\x1b" in text:
        text = SGR.sub("", text)
    return text.encode("utf-8")


def shows_as_stored(window: bytes, kept: bytes | None = None, framing: int = 0) -> bool:
    """Whether ``window`` holds nothing its display changes (``kept``: the window
    with RAW_CONTROLS deleted, when already made; ``framing``: how many carriage
    returns are no part of any text, as in a raw Redis reply)."""
    if kept is None:
        kept = window.translate(None, RAW_CONTROLS)
    if len(window) - len(kept) != framing:
        return False
    return not (b"\xc2" in window and RAW_C1.search(window))


def displayed(window: bytes, fold: bool = False) -> bytes:
    """``window`` with every text as the page displays it (``display_window``), in
    ASCII lower case with ``fold``. A window that displays as it is stored (the
    usual case) costs one pass of ``bytes.translate``, which folds it too."""
    kept = window.translate(ASCII_LOWER if fold else None, RAW_CONTROLS)
    if shows_as_stored(window, kept):
        return kept if fold else window
    shown = display_window(window)
    return shown.lower() if fold else shown
