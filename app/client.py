"""The client side of the ``/builds`` namespace: an in-order Socket.IO client, and what a
tail keeps while it follows a log (the log's checksum, and what it has told about liveness).

python-engineio's Client hands every message to a new thread, so two
``lines`` events can be handled out of order on a busy machine. This client
handles them on the thread that read them: the CLI and the tests use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import engineio
import socketio

from app.store import log_crc32


class InOrderEngineIO(engineio.Client):
    def _trigger_event(self, event, *args, **kwargs):
        if event == "message":
            kwargs.pop("run_async", None)
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    def _engineio_client_class(self):
        return InOrderEngineIO


class LogChecksum:
    """A running ``zlib.crc32`` of a log as ``log.txt`` serves it: each line's UTF-8 text
    followed by a newline, so it can be compared with a finished build's ``log_crc32``."""

    def __init__(self) -> None:
        self.value = 0
        self.lines = 0

    def add(self, lines: Sequence[str]) -> None:
        """Take in the next lines, as received (before any change made for a terminal)."""
        self.value = log_crc32(lines, self.value)
        self.lines += len(lines)

    def differs_from(self, build: dict[str, Any]) -> bool | None:
        """True or False once the finished ``build`` records a checksum; None when it
        records none (an older build, or an older server): nothing to verify against."""
        expected = build.get("log_crc32")
        if expected is None:
            return None
        return self.value != expected or self.lines != build.get("lines", self.lines)


class Liveness:
    """What a tail has told its user about the connection, the server, Redis and the worker.

    The situation is the worst current problem: the socket is down, else the server
    does not answer, else Redis is unavailable, else the worker has stopped
    reporting. Each method records what was just learnt and returns a line to show
    only when the situation changed (a silent worker's growing count of seconds is
    not a change), or None.
    """

    def __init__(self) -> None:
        self.connected = True
        self.answering = True
        self.redis_ok = True
        self.worker_silent: float | None = None
        self.reported: str | None = None  # the kind of the last situation shown

    def disconnected(self) -> str | None:
        self.connected, self.answering = False, True  # a new connection starts afresh
        return self._change()

    def no_answer(self) -> str | None:
        """The server has not answered a subscribe for longer than it should."""
        self.connected, self.answering = True, False
        return self._change()

    def subscribed(self) -> str | None:
        """The server accepted the subscription, so it reached Redis just now."""
        self.connected, self.answering, self.redis_ok = True, True, True
        return self._change()

    def redis_unavailable(self) -> str | None:
        """The server answered, but could not reach Redis."""
        self.connected, self.answering, self.redis_ok = True, True, False
        return self._change()

    def health(self, message: dict[str, Any]) -> str | None:
        """A ``health`` event: ``{"redis": "ok" | "unavailable", "worker_silent_seconds"}``,
        sent to subscribers only, so the subscription went through."""
        self.connected, self.answering = True, True
        self.redis_ok = message.get("redis") != "unavailable"
        silent = message.get("worker_silent_seconds")
        known = isinstance(silent, (int, float)) and not isinstance(silent, bool)
        self.worker_silent = float(silent) if known else None
        return self._change()

    def situation(self) -> tuple[str, str] | None:
        """The current problem as (kind, line to show), or None when all is well."""
        if not self.connected:
            return "socket", "reconnecting"
        if not self.answering:
            return "server", "the server does not answer — retrying"
        if not self.redis_ok:
            return "redis", "Redis unavailable — retrying"
        if self.worker_silent is not None:
            return "worker", f"worker not reporting ({self.worker_silent:.0f}s)"
        return None

    def _change(self) -> str | None:
        current = self.situation()
        kind = current[0] if current else None
        if kind == self.reported:
            return None
        self.reported = kind
        return current[1] if current else "live again"
