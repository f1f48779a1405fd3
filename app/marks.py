"""What the worker finds in a build's log as it writes it: annotations (workflow
commands and the recipe's problem patterns) and steps. Pure logic, no I/O.

Nearly every batch holds none, so a batch is first tested as one text with a
few substring searches (and, for a recipe with problem patterns, one RE2
pass); only a batch that passes is looked at line by line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from app.annotations import parse_command, problem_annotation
from app.output import HIDDEN, SecretMasker
from app.recipes import PatternError, Problem, compile_pattern
from app.steps import BUILDKITE_PREFIXES, StepTracker, may_mark

# A Buildkite header after a newline (the text's first line is tested apart).
BUILDKITE_LINE = re.compile(r"\n(?:---|\+\+\+|~~~|\^\^\^) ")
MASKED_FIELDS = ("message", "title", "file")


def may_hold_marks(text: str) -> bool:
    """False only if no line of ``text`` (lines joined by newlines) can be a
    workflow command or a step marker. Each longer search only runs when a
    one-character search (memchr's speed) finds the character it needs."""
    return (
        (":" in text and "::" in text)
        or ("_" in text and "section_" in text)
        or text[:4] in BUILDKITE_PREFIXES
        or (("-" in text or "+" in text or "~" in text or "^" in text)
            and BUILDKITE_LINE.search(text) is not None)
    )


def problems_filter(problems: Sequence[Problem]) -> Any:
    """One RE2 expression that finds, in a batch's lines joined by newlines, every
    line that some problem pattern matches (and maybe more): the patterns in
    multi-line mode. None when a pattern anchors to the whole text (\\A, \\z),
    where only a line at a time will do."""
    if not problems or any("\\A" in p.pattern or "\\z" in p.pattern for p in problems):
        return None
    try:
        return compile_pattern("(?m)" + "|".join(f"(?:{p.pattern})" for p in problems))
    except PatternError:  # too large together for RE2's memory budget
        return None


class LogMarks:
    """Finds annotations and steps in batches of numbered lines."""

    def __init__(self, problems: Sequence[Problem] = (),
                 masker: SecretMasker | None = None) -> None:
        self.problems = tuple(problems)
        self.problems_filter = problems_filter(self.problems)
        self.masker = masker or SecretMasker([])
        self.steps = StepTracker()

    def scan(
        self, first: int, lines: list[str], times: list[int]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The annotations in lines numbered ``first``.., and the records of the
        steps they opened or changed."""
        text = "\n".join(lines)
        marked = may_hold_marks(text)
        if not (marked or self.problems):
            return [], []  # the common case: no escape codes to strip for nothing
        plain = HIDDEN.sub("", text) if "\x1b" in text else text
        problems = bool(self.problems) and (
            self.problems_filter is None or self.problems_filter.search(plain) is not None)
        if not (marked or problems):
            return [], []
        plain_lines = plain.split("\n") if plain is not text else lines
        annotations = []
        for index, line in enumerate(lines):
            number = first + index
            if marked and may_mark(line):
                self.steps.feed(number, line, times[index])
            found = self._annotations(number, plain_lines[index], marked, problems)
            for annotation in found:
                if annotation["level"] == "error":
                    self.steps.error()
            annotations += found
        return annotations, self.steps.take()

    def close(self, last_line: int, ms: int) -> list[dict[str, Any]]:
        """The log ended: the records of the steps this closes."""
        self.steps.close_all(last_line, ms)
        return self.steps.take()

    def _annotations(
        self, number: int, line: str, commands: bool, problems: bool
    ) -> list[dict[str, Any]]:
        found = []
        if commands and "::" in line:
            annotation = parse_command(number, line)
            if annotation is not None:
                found.append(self._masked(annotation))
        if problems:
            for problem in self.problems:
                match = problem.matcher.search(line)
                if match is not None:
                    found.append(self._masked(
                        problem_annotation(number, line, problem.level, match)))
        return found

    def _masked(self, annotation: dict[str, Any]) -> dict[str, Any]:
        """Unescaping (``%3A``..) can spell a secret the line did not: mask again."""
        for field in MASKED_FIELDS:
            value = annotation.get(field)
            if value:
                annotation[field] = "\n".join(self.masker.mask(value.split("\n")))
        return annotation
