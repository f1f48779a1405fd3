"""The terminal style (SGR state) that carries from line to line, as a terminal keeps it.

A line that turns red and never resets leaves the next lines red, so a reader
that starts in the middle of a log needs the style in effect where it starts.
A style is kept as one canonical SGR escape: ``"\\x1b[" + params + "m"`` with the
attributes in numeric order, then the foreground, then the background (for
example ``"\\x1b[1;31;48;5;17m"``), and ``""`` for the default. The page's twin is
``app/static/src/sgr-state.js``; both pass ``tests/sgr_state_cases.json``.

Only SGR sequences (ESC [ digits, ``;`` and ``:`` m) change the style; a private
one such as ESC[>4;2m does not. Blink (5, 6, 25) is not kept: the page does not
show it.
"""

from __future__ import annotations

import functools
import re

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
# Attributes kept, and what each reset code turns off (21 as the page's anser reads it).
ATTRIBUTES = frozenset({1, 2, 3, 4, 7, 8, 9})
RESETS = {21: (1,), 22: (1, 2), 23: (3,), 24: (4,), 27: (7,), 28: (8,), 29: (9,)}
# Any value of ten digits or more: no code, no colour (and never a slow int()).
HUGE = 10**9
EXTENDED = {38: "fg", 48: "bg", 58: None}  # 58: underline colour, read past, not kept


class _Style:
    """A style being changed: attributes, and foreground and background as SGR params."""

    __slots__ = ("attributes", "fg", "bg")

    def __init__(
        self, attributes: frozenset[int] = frozenset(), fg: str = "", bg: str = ""
    ) -> None:
        self.attributes, self.fg, self.bg = set(attributes), fg, bg

    def reset(self) -> None:
        self.attributes, self.fg, self.bg = set(), "", ""

    def canonical(self) -> str:
        params = [str(code) for code in sorted(self.attributes)]
        params += [colour for colour in (self.fg, self.bg) if colour]
        return "\x1b[" + ";".join(params) + "m" if params else ""


def style_after(style: str, line: str) -> str:
    """The canonical style in effect after ``line``, given ``style`` at its start.
    Lines joined by newlines fold in one call: no SGR sequence spans a newline."""
    if "\x1b" not in line:
        return style
    # Whatever came before the last plain reset is undone by it: start there.
    reset = max(line.rfind("\x1b[0m"), line.rfind("\x1b[m"))
    if reset >= 0:
        style, line = "", line[reset:]
    state = _Style(*_parsed(style))
    for match in SGR.finditer(line):
        _apply(state, match.group(1))
    return state.canonical()


@functools.lru_cache(maxsize=256)
def _parsed(style: str) -> tuple[frozenset[int], str, str]:
    """A canonical style as attributes, foreground and background."""
    state = _Style()
    for match in SGR.finditer(style):
        _apply(state, match.group(1))
    return frozenset(state.attributes), state.fg, state.bg


def _number(text: str) -> int | None:
    """A parameter's value: empty means 0; None for one that is no number."""
    if not text.isdigit():
        return 0 if text == "" else None
    digits = text.lstrip("0")
    return HUGE if len(digits) > 9 else int(digits or "0")


def _apply(state: _Style, params: str) -> None:
    """Change ``state`` by one SGR sequence's parameters."""
    fields = params.split(";")
    index = 0
    while index < len(fields):
        field = fields[index]
        index += 1
        if ":" in field:
            _apply_colon(state, field.split(":"))
            continue
        code = _number(field)
        if code in EXTENDED:
            colour, index = _extended_semicolon(fields, index)
            _set_colour(state, EXTENDED[code], code, colour)
        elif code is not None:
            _apply_code(state, code)


def _apply_code(state: _Style, code: int) -> None:
    if code == 0:
        state.reset()
    elif code in ATTRIBUTES:
        state.attributes.add(code)
    elif code in RESETS:
        state.attributes.difference_update(RESETS[code])
    elif 30 <= code <= 37 or 90 <= code <= 97:
        state.fg = str(code)
    elif code == 39:
        state.fg = ""
    elif 40 <= code <= 47 or 100 <= code <= 107:
        state.bg = str(code)
    elif code == 49:
        state.bg = ""


def _extended_semicolon(fields: list[str], index: int) -> tuple[str | None, int]:
    """After 38, 48 or 58: the colour the next fields name (None for none, as the
    page's anser reads it: a mode is used up, its values only when all are there)."""
    if index >= len(fields):
        return None, index
    mode = fields[index]
    index += 1
    if mode == "5" and index < len(fields):
        return _palette(fields[index]), index + 1
    if mode == "2" and index + 3 <= len(fields):
        return _rgb(fields[index:index + 3]), index + 3
    return None, index


def _apply_colon(state: _Style, subs: list[str]) -> None:
    """One colon-separated parameter: 38:5:n, 38:2::r:g:b, 38:2:r:g:b, 4:n;
    any other is ignored."""
    code = _number(subs[0])
    if code == 4:
        style = _number(subs[1])
        if style == 0:
            state.attributes.discard(4)
        elif style is not None:
            state.attributes.add(4)
    elif code in EXTENDED:
        colour = None
        if subs[1] == "5" and len(subs) >= 3:
            colour = _palette(subs[2])
        elif subs[1] == "2" and len(subs) >= 5:
            colour = _rgb(subs[-3:] if len(subs) == 5 else subs[3:6])
        _set_colour(state, EXTENDED[code], code, colour)


def _palette(text: str) -> str | None:
    value = _number(text)
    return f"5;{value}" if value is not None and value <= 255 else None


def _rgb(texts: list[str]) -> str | None:
    values = [_number(text) for text in texts]
    if any(value is None or value > 255 for value in values):
        return None
    return "2;" + ";".join(map(str, values))


def _set_colour(state: _Style, slot: str | None, code: int, colour: str | None) -> None:
    if slot and colour:
        setattr(state, slot, f"{code};{colour}")


# The worker records the style entering every block of this many lines.
STYLE_BLOCK_LINES = 1000


def block_styles(
    style: str, first: int, lines: list[str], text: str
) -> tuple[dict[int, str], str]:
    """The style index's entries that lines numbered ``first``.., entered with
    ``style``, complete, and the style after the last of them. ``text`` is the
    lines joined by newlines, searched once: a batch without escapes costs no more.

    Block ``k`` holds lines ``k * STYLE_BLOCK_LINES + 1``..; its entry is the style
    after line ``k * STYLE_BLOCK_LINES``, so it is stored with that line, and only
    when it is not the default."""
    end = first + len(lines)
    last_lines = range(max(STYLE_BLOCK_LINES, -(-first // STYLE_BLOCK_LINES) * STYLE_BLOCK_LINES),
                       end, STYLE_BLOCK_LINES)
    if "\x1b" not in text:
        return ({line // STYLE_BLOCK_LINES: style for line in last_lines} if style else {}), style
    entering, done = {}, 0
    for line in last_lines:
        style = style_after(style, "\n".join(lines[done:line - first + 1]))
        done = line - first + 1
        if style:
            entering[line // STYLE_BLOCK_LINES] = style
    return entering, style_after(style, text if not done else "\n".join(lines[done:]))
