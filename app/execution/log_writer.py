"""A build's log as its worker writes it: numbered, within its byte budget,
checksummed, and whole across a Redis failover."""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import redis

from app import store
from app.execution.retry import retrying
from app.marks import LogMarks
from app.output import LogBudget, SecretMasker
from app.recipes import Problem
from app.sgr import block_styles

log = logging.getLogger(__name__)

# With replicas (Sentinel), each append waits this long at most for one to
# hold it; what none holds yet is kept, to be written again after a failover.
REPLICA_WAIT_MS = 20
MAX_UNREPLICATED_BYTES = 64 * 1024 * 1024


class LogWriter:
    """Numbers lines as they are written and keeps the log within its byte budget.

    It also keeps the CRC-32 of the log as ``log.txt`` serves it, and every
    append records it in the build with the line count it covers, so whoever
    reads the log can check they got exactly what was written.

    Each batch, as it will be stored (masked, within budget, numbered), is
    searched for annotations and steps (``problems``: the recipe's problem
    patterns), which are stored with its lines in the same atomic append; so
    are the style index's entries it completes (the terminal style entering
    each 1,000-line block), for readers that start in the middle of the log.

    With ``replicas``, it also keeps every batch no replica has confirmed, so
    that when a failover promotes a replica that lacks the newest lines, they
    are written again and the log has no gap.
    """

    def __init__(
        self, client: redis.Redis, build_id: int, max_log_bytes: int,
        masker: SecretMasker | None = None, replicas: int = 0,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        self.client = client
        self.build_id = build_id
        self.budget = LogBudget(max_log_bytes)
        self.masker = masker or SecretMasker([])
        self.replicas = replicas
        self.written = 0
        self.crc = 0
        self.style = ""  # the terminal style after the last line written
        self.marks = LogMarks(problems, self.masker)
        self.last_ms = 0
        self.unreplicated: list[tuple[int, list[str], list[int], Found]] = []
        self.unreplicated_bytes = 0

    def write(self, lines: list[str], times: list[int]) -> None:
        self._append(*self.budget.admit(self.masker.mask(lines), times))

    def finish(self) -> None:
        """Write what the budget held back (the tail of a log that hit its limit),
        then close the steps still open at the log's last line."""
        self._append(*self.budget.finish(store.now_ms()))
        closed = self.marks.close(self.written, self.last_ms or store.now_ms())
        if closed:
            self._write_batch(self.written + 1, [], [], None, Found([], closed))

    def _append(self, lines: list[str], times: list[int]) -> None:
        if not lines:
            return
        first = self.written + 1
        crc, styles, style = self._crc_and_styles(first, lines)
        found = Found(*self.marks.scan(first, lines, times), styles)
        self.last_ms = times[-1]
        self._write_batch(first, lines, times, crc, found)
        self.crc, self.style = crc, style

    def _crc_and_styles(
        self, first: int, lines: list[str]
    ) -> tuple[int, dict[int, str], str]:
        """The log's CRC-32 with these lines in, the style index's entries they
        complete and the style after them, from the lines joined once. The joined
        text is let go before the append: held through it, the append's own large
        buffers took fresh pages (five times the page faults, twice the CPU)."""
        text = "\n".join(lines)
        return (store.text_crc32(text, self.crc),
                *block_styles(self.style, first, lines, text))

    def _write_batch(
        self, first: int, lines: list[str], times: list[int], crc: int | None, found: Found
    ) -> None:
        """Store a batch (lines, or steps alone), first writing again what a failover lost."""
        try:
            replicated = self._store(first, lines, times, crc, found)
        except store.LogBehind as behind:
            log.warning("build %s: Redis lost lines %s-%s in a failover; writing them again",
                        self.build_id, behind.length + 1, self.written,
                        extra={"build_id": self.build_id})
            self._restore(behind.length)
            replicated = self._store(first, lines, times, crc, found)
        self._keep_until_replicated(first, lines, times, found, replicated)

    def _store(
        self, first: int, lines: list[str], times: list[int], crc: int | None = None,
        found: Found | None = None,
    ) -> bool:
        """Append; ``crc`` (the whole log's, these lines included) is None while
        lines lost in a failover are written again."""
        found = found or Found([], [])
        self.written, replicated = retrying(
            lambda: store.append_lines(self.client, self.build_id, first, lines, times,
                                       self.replicas, REPLICA_WAIT_MS, crc,
                                       found.annotations, found.steps, found.styles),
            "writing its log",
            self.build_id,
        )
        return replicated

    def _keep_until_replicated(
        self, first: int, lines: list[str], times: list[int], found: Found, replicated: bool
    ) -> None:
        if not self.replicas:
            return
        if replicated:  # a replica holds this append, so every earlier one too
            self.unreplicated, self.unreplicated_bytes = [], 0
            return
        self.unreplicated.append((first, lines, times, found))
        self.unreplicated_bytes += sum(map(len, lines))
        while self.unreplicated_bytes > MAX_UNREPLICATED_BYTES and len(self.unreplicated) > 1:
            _, dropped, _, _ = self.unreplicated.pop(0)
            self.unreplicated_bytes -= sum(map(len, dropped))

    def _restore(self, length: int) -> None:
        """Write lines ``length + 1``.. again from the batches no replica confirmed,
        with what was found in them."""
        for first, lines, times, found in list(self.unreplicated):
            skip = length + 1 - first
            if skip >= len(lines) and (lines or skip):  # steps alone come after every line
                continue
            if skip < 0:
                raise store.LogBehind(self.build_id, length)  # older than what is kept
            # The batch's style entries are stored again whole: one already held is
            # set to the same value.
            kept = Found([a for a in found.annotations if a["line"] > length], found.steps,
                         found.styles)
            self._store(length + 1, lines[skip:], times[skip:], None, kept)
            length = self.written


class Found(NamedTuple):
    """What one batch holds: its annotations, the records of the steps it changed,
    and the style index's entries it completes."""

    annotations: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    styles: dict[int, str] = {}
