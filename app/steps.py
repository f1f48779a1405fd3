"""The steps of a build's log, from the group markers of three CI systems. Pure logic.

- GitHub: ``::group::title`` .. ``::endgroup::`` (nesting allowed here; an end
  closes the innermost GitHub group and whatever was opened inside it).
- GitLab: ``section_start:<unix ts>:<name>[collapsed=true]`` then ``\\r\\e[0K``
  and the header .. ``section_end:<ts>:<name>``; nested by name, an end
  closes the named section and whatever was opened inside it. The title is
  the header without escape codes, else the name.
- Buildkite: ``--- title`` and ``~~~ title`` (collapsed), ``+++ title``
  (expanded), ``^^^ +++`` (expand the previous step). A header ends the
  Buildkite step open at the same level.

Steps still open when the log ends are closed at its last line (``close_all``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from app.annotations import unescape_data
from app.output import HIDDEN

BUILDKITE_HEADERS = {"--- ": True, "~~~ ": True, "+++ ": False}
BUILDKITE_PREFIXES = frozenset({*BUILDKITE_HEADERS, "^^^ "})
GITHUB, GITLAB, BUILDKITE = "github", "gitlab", "buildkite"
SECTION = re.compile(r"section_(start|end):([0-9]{1,12}):([A-Za-z0-9_.-]+)(?:\[([^\]\r\n]*)\])?")


def may_mark(text: str) -> bool:
    """False only if ``text`` can neither open nor close a step: the cheap test
    every line takes before any parsing."""
    return "::" in text or "section_" in text or text[:4] in BUILDKITE_PREFIXES


def iso_from_ms(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Step:
    title: str
    line: int
    depth: int
    started_ms: int
    collapsed: bool
    kind: str
    name: str = ""
    end_line: int | None = None
    finished_ms: int | None = None
    errors: int = 0
    end_marker: bool = False

    def record(self) -> dict[str, Any]:
        """The step as the API, Redis and live viewers see it."""
        return {
            "title": self.title,
            "line": self.line,
            "end_line": self.end_line,
            "depth": self.depth,
            "started_at": iso_from_ms(self.started_ms),
            "finished_at": None if self.finished_ms is None else iso_from_ms(self.finished_ms),
            "errors": self.errors,
            "collapsed": self.collapsed,
            "end_marker": self.end_marker,
        }


class StepTracker:
    """Follows a log line by line; ``take`` hands back the records of the steps
    changed since it was last called (opened, closed, errors counted, expanded)."""

    def __init__(self) -> None:
        self.open: list[Step] = []
        self.last_buildkite: Step | None = None
        self.changed: dict[int, Step] = {}

    def feed(self, number: int, text: str, ms: int) -> None:
        """Line ``number`` printed at ``ms``; lines that ``may_mark`` refuses need not come."""
        command = text.lstrip()
        if command.startswith("::group::"):
            self._open(Step(unescape_data(command[9:]).strip(), number, len(self.open), ms,
                            True, GITHUB))
        elif command.startswith("::endgroup::"):
            self._close_innermost(lambda step: step.kind == GITHUB, number, ms)
        elif "section_" in text:
            self._sections(number, text, ms)
        elif text[:4] in BUILDKITE_PREFIXES:
            self._buildkite(number, text, ms)

    def error(self) -> None:
        """An error annotation on the current line: every open step holds it."""
        for step in self.open:
            step.errors += 1
            self.changed[step.line] = step

    def close_all(self, last_line: int, ms: int) -> None:
        """The log ended at ``last_line``: what is still open ends there."""
        while self.open:
            self._end(self.open.pop(), last_line, ms, False)

    def take(self) -> list[dict[str, Any]]:
        records = [step.record() for _, step in sorted(self.changed.items())]
        self.changed.clear()
        return records

    def _open(self, step: Step) -> None:
        self.open.append(step)
        self.changed[step.line] = step

    def _end(self, step: Step, end_line: int, ms: int, marker: bool) -> None:
        step.end_line, step.finished_ms, step.end_marker = max(end_line, step.line), ms, marker
        self.changed[step.line] = step

    def _close_innermost(self, matches, number: int, ms: int) -> None:
        """Close the innermost open step ``matches`` accepts at this end marker,
        and the steps opened inside it just before it."""
        for index in range(len(self.open) - 1, -1, -1):
            if matches(self.open[index]):
                while len(self.open) > index + 1:
                    self._end(self.open.pop(), number - 1, ms, False)
                self._end(self.open.pop(), number, ms, True)
                return

    def _sections(self, number: int, text: str, ms: int) -> None:
        markers = list(SECTION.finditer(text))
        for index, marker in enumerate(markers):
            kind, _, name, options = marker.groups()
            if kind == "end":
                self._close_innermost(
                    lambda step, name=name: step.kind == GITLAB and step.name == name, number, ms)
                continue
            stop = markers[index + 1].start() if index + 1 < len(markers) else len(text)
            header = HIDDEN.sub("", text[marker.end():stop]).replace("\r", "").strip()
            collapsed = "collapsed=true" in (options or "").replace(" ", "").split(",")
            self._open(Step(header or name, number, len(self.open), ms, collapsed, GITLAB, name))

    def _buildkite(self, number: int, text: str, ms: int) -> None:
        prefix, title = text[:4], text[4:].strip()
        if prefix == "^^^ ":
            if title == "+++" and self.last_buildkite is not None:
                self.last_buildkite.collapsed = False
                self.changed[self.last_buildkite.line] = self.last_buildkite
            return
        if not title:
            return
        if self.open and self.open[-1].kind == BUILDKITE:
            self._end(self.open.pop(), number - 1, ms, False)
        step = Step(title, number, len(self.open), ms, BUILDKITE_HEADERS[prefix], BUILDKITE)
        self.last_buildkite = step
        self._open(step)
