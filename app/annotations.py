"""Annotations a log line asks for: GitHub's workflow commands and a recipe's
problem patterns. Pure logic, no I/O.

An annotation is ``{"line", "level", "message"}`` plus, when known, ``file``,
``line_in_file``, ``end_line_in_file``, ``col``, ``end_col`` and ``title``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

LEVELS = ("error", "warning", "notice")

# GitHub's property names and the names annotations carry them under; the
# numbers are whole numbers, a value that is not one is left out.
PROPERTIES = {
    "file": "file",
    "title": "title",
    "line": "line_in_file",
    "endLine": "end_line_in_file",
    "col": "col",
    "endColumn": "end_col",
}
NUMBERS = frozenset({"line_in_file", "end_line_in_file", "col", "end_col"})

# GitHub's escapes: data knows %25, %0D and %0A; properties also %3A and %2C.
# One pass, so "%250A" is "%0A" and not a newline.
DATA_ESCAPES = {"%25": "%", "%0D": "\r", "%0A": "\n"}
PROPERTY_ESCAPES = {**DATA_ESCAPES, "%3A": ":", "%2C": ","}
DATA_ESCAPE = re.compile("|".join(DATA_ESCAPES))
PROPERTY_ESCAPE = re.compile("|".join(PROPERTY_ESCAPES))

# Problem-pattern groups and the fields they fill.
PROBLEM_GROUPS = {
    "file": "file",
    "line": "line_in_file",
    "col": "col",
    "message": "message",
    "title": "title",
}


def unescape_data(text: str) -> str:
    if "%" not in text:
        return text
    return DATA_ESCAPE.sub(lambda match: DATA_ESCAPES[match.group()], text)


def unescape_property(text: str) -> str:
    if "%" not in text:
        return text
    return PROPERTY_ESCAPE.sub(lambda match: PROPERTY_ESCAPES[match.group()], text)


def parse_command(number: int, text: str) -> dict[str, Any] | None:
    """The annotation a ``::error|warning|notice [k=v,..]::message`` line asks for, or None.

    As GitHub's runner reads it: leading white space is ignored, properties
    are split on commas and then on the first ``=``, unknown ones are dropped.
    """
    text = text.lstrip()
    if not text.startswith("::"):
        return None
    end = text.find("::", 2)
    if end < 0:
        return None
    name, _, properties = text[2:end].partition(" ")
    if name not in LEVELS:
        return None
    annotation: dict[str, Any] = {"line": number, "level": name,
                                  "message": unescape_data(text[end + 2:])}
    for pair in properties.split(","):
        key, equals, value = pair.strip().partition("=")
        field = PROPERTIES.get(key)
        if not equals or not value or field is None:
            continue
        value = unescape_property(value)
        if field in NUMBERS:
            if not (value.isascii() and value.isdigit() and len(value) <= 9):
                continue
            annotation[field] = int(value)
        else:
            annotation[field] = value
    return annotation


def problem_annotation(number: int, text: str, level: str, match: Any) -> dict[str, Any]:
    """The annotation a problem pattern's ``match`` on line ``text`` stands for:
    its named groups fill the fields; the message is the whole line unless
    the pattern has a ``message`` group."""
    annotation: dict[str, Any] = {"line": number, "level": level, "message": text}
    groups = match.groupdict()
    for group, field in PROBLEM_GROUPS.items():
        value = groups.get(group)
        if value is None or (field != "message" and value == ""):
            continue
        if field in NUMBERS:
            if value.isascii() and value.isdigit() and len(value) <= 9:
                annotation[field] = int(value)
        else:
            annotation[field] = value
    return annotation


def count_levels(annotations: Sequence[dict[str, Any]]) -> dict[str, int]:
    """``{"error": n, "warning": n, "notice": n}`` of some annotations."""
    counts = dict.fromkeys(LEVELS, 0)
    for annotation in annotations:
        counts[annotation["level"]] += 1
    return counts
