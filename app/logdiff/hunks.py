"""Two logs compared line by line, as hunks with both logs' line numbers.

Pure: lists of lines in, the API's answer out. ``a`` is the older log (the
build compared against, usually the last green one), ``b`` the build asked
about. Lines are matched by their normalised text (``keys``) and shown as
they were (``lines``).

The matching is patience diff (Bram Cohen's, in Breezy's ``patiencediff``,
compiled): lines that occur once in each log anchor the comparison, so a log's
thousand blank or "ok" lines cannot pull it out of step, and two 200,000-line
logs compare in a fraction of a second, where ``difflib`` takes minutes
without its "popular line" heuristic and gives worse hunks with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from patiencediff import PatienceSequenceMatcher

Opcode = tuple[str, int, int, int, int]

DEFAULT_CONTEXT = 3
# However different two logs are, an answer holds at most this many lines.
MAX_LINES = 20_000


def opcodes(a_keys: Sequence[str], b_keys: Sequence[str]) -> list[Opcode]:
    """difflib-style opcodes (``equal``, ``replace``, ``delete``, ``insert``) turning
    ``a_keys`` into ``b_keys``."""
    return PatienceSequenceMatcher(None, a_keys, b_keys).get_opcodes()


def grouped(codes: list[Opcode], context: int) -> Iterator[list[Opcode]]:
    """The changes in groups, each with up to ``context`` equal lines around it;
    changes closer than twice that share a group (``difflib``'s and ``diff -U``'s way)."""
    if all(code[0] == "equal" for code in codes):
        return
    codes = list(codes)
    tag, i1, i2, j1, j2 = codes[0]
    if tag == "equal":
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    tag, i1, i2, j1, j2 = codes[-1]
    if tag == "equal":
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, i1 + context, j1, j1 + context))
            yield group
            group = []
            i1, j1 = i2 - context, j2 - context
        group.append((tag, i1, i2, j1, j2))
    if any(code[0] != "equal" for code in group):
        yield group


def first_line(first: int, count: int) -> int:
    """Where a hunk starts on one side: its first line, or, when it has none there,
    the line it comes after (0 at the top), as unified diffs number them."""
    return first + 1 if count else first


def hunk(
    group: list[Opcode], a_lines: Sequence[str], b_lines: Sequence[str], room: int
) -> dict[str, Any]:
    """One hunk with at most ``room`` of its lines (then it says ``truncated``):
    equal lines show this build's text; a change shows the old lines, then the new."""
    a_start, b_start = group[0][1], group[0][3]
    a_count, b_count = group[-1][2] - a_start, group[-1][4] - b_start
    lines: list[dict[str, Any]] = []
    whole = 0
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            whole += i2 - i1
            lines += ({"op": "=", "text": b_lines[j1 + k], "a": i1 + k + 1, "b": j1 + k + 1}
                      for k in range(min(i2 - i1, room - len(lines))))
            continue
        whole += (i2 - i1) + (j2 - j1)
        lines += ({"op": "-", "text": a_lines[i], "a": i + 1, "b": None}
                  for i in range(i1, min(i2, i1 + room - len(lines))))
        lines += ({"op": "+", "text": b_lines[j], "a": None, "b": j + 1}
                  for j in range(j1, min(j2, j1 + room - len(lines))))
    answer = {"a_first": first_line(a_start, a_count), "a_count": a_count,
              "b_first": first_line(b_start, b_count), "b_count": b_count, "lines": lines}
    if len(lines) < whole:
        answer["truncated"] = True
    return answer


def first_difference(codes: list[Opcode]) -> dict[str, int] | None:
    """Line numbers of the first change on each side (a side with nothing there:
    the line it comes after), or None when the logs compare equal."""
    for tag, i1, i2, j1, j2 in codes:
        if tag != "equal":
            return {"a": first_line(i1, i2 - i1), "b": first_line(j1, j2 - j1)}
    return None


def compare(
    a_lines: Sequence[str], b_lines: Sequence[str],
    a_keys: Sequence[str], b_keys: Sequence[str],
    context: int = DEFAULT_CONTEXT, max_lines: int = MAX_LINES,
) -> dict[str, Any]:
    """The answer's comparison fields: ``first_difference``, ``identical``, ``hunks``
    (at most ``max_lines`` lines in all), ``hunks_total`` (every hunk, those left
    out included) and ``truncated`` (true when anything was left out)."""
    codes = opcodes(a_keys, b_keys)
    hunks: list[dict[str, Any]] = []
    total, used, truncated = 0, 0, False
    for group in grouped(codes, context):
        total += 1
        if used >= max_lines:
            truncated = True
            continue
        hunks.append(hunk(group, a_lines, b_lines, max_lines - used))
        used += len(hunks[-1]["lines"])
        truncated = truncated or "truncated" in hunks[-1]
    first = first_difference(codes)
    return {"first_difference": first, "identical": first is None, "hunks": hunks,
            "hunks_total": total, "truncated": truncated}
