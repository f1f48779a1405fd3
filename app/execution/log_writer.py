"""A build's log as its worker writes it: numbered, within its byte budget,
checksummed, and whole across a Redis failover."""

from __future__ import annotations

import logging

import redis

from app import store
from app.execution.retry import retrying
from app.output import LogBudget, SecretMasker

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

    With ``replicas``, it also keeps every batch no replica has confirmed, so
    that when a failover promotes a replica that lacks the newest lines, they
    are written again and the log has no gap.
    """

    def __init__(
        self, client: redis.Redis, build_id: int, max_log_bytes: int,
        masker: SecretMasker | None = None, replicas: int = 0,
    ) -> None:
        self.client = client
        self.build_id = build_id
        self.budget = LogBudget(max_log_bytes)
        self.masker = masker or SecretMasker([])
        self.replicas = replicas
        self.written = 0
        self.crc = 0
        self.unreplicated: list[tuple[int, list[str], list[int]]] = []
        self.unreplicated_bytes = 0

    def write(self, lines: list[str], times: list[int]) -> None:
        self._append(*self.budget.admit(self.masker.mask(lines), times))

    def finish(self) -> None:
        """Write what the budget held back (the tail of a log that hit its limit)."""
        self._append(*self.budget.finish(store.now_ms()))

    def _append(self, lines: list[str], times: list[int]) -> None:
        if not lines:
            return
        first = self.written + 1
        crc = store.log_crc32(lines, self.crc)
        try:
            replicated = self._store(first, lines, times, crc)
        except store.LogBehind as behind:
            log.warning("build %s: Redis lost lines %s-%s in a failover; writing them again",
                        self.build_id, behind.length + 1, self.written,
                        extra={"build_id": self.build_id})
            self._restore(behind.length)
            replicated = self._store(first, lines, times, crc)
        self.crc = crc
        self._keep_until_replicated(first, lines, times, replicated)

    def _store(
        self, first: int, lines: list[str], times: list[int], crc: int | None = None
    ) -> bool:
        """Append; ``crc`` (the whole log's, these lines included) is None while
        lines lost in a failover are written again."""
        self.written, replicated = retrying(
            lambda: store.append_lines(self.client, self.build_id, first, lines, times,
                                       self.replicas, REPLICA_WAIT_MS, crc),
            "writing its log",
            self.build_id,
        )
        return replicated

    def _keep_until_replicated(
        self, first: int, lines: list[str], times: list[int], replicated: bool
    ) -> None:
        if not self.replicas:
            return
        if replicated:  # a replica holds this append, so every earlier one too
            self.unreplicated, self.unreplicated_bytes = [], 0
            return
        self.unreplicated.append((first, lines, times))
        self.unreplicated_bytes += sum(map(len, lines))
        while self.unreplicated_bytes > MAX_UNREPLICATED_BYTES and len(self.unreplicated) > 1:
            _, dropped, _ = self.unreplicated.pop(0)
            self.unreplicated_bytes -= sum(map(len, dropped))

    def _restore(self, length: int) -> None:
        """Write lines ``length + 1``.. again from the batches no replica confirmed."""
        for first, lines, times in list(self.unreplicated):
            skip = length + 1 - first
            if skip >= len(lines):
                continue
            if skip < 0:
                raise store.LogBehind(self.build_id, length)  # older than what is kept
            self._store(length + 1, lines[skip:], times[skip:])
            length = self.written
