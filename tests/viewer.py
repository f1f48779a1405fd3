"""A real Socket.IO client watching one build, recording what it receives."""

from __future__ import annotations

import threading

from app.client import InOrderClient

__all__ = ["InOrderClient", "Viewer"]

FINISHED = {"succeeded", "failed", "cancelled"}


class Viewer:
    def __init__(
        self, url: str, transports: tuple[str, ...] = ("websocket",),
        headers: dict[str, str] | None = None, http_session=None,
    ) -> None:
        self.url = url
        self.events: list[tuple[str, dict]] = []
        self.health: list[dict] = []
        self.finished = threading.Event()
        self.client = InOrderClient(reconnection=False, http_session=http_session)
        self.client.on("lines", self._on_lines, namespace="/builds")
        self.client.on("status", self._on_status, namespace="/builds")
        self.client.on("health", self.health.append, namespace="/builds")
        self.client.connect(
            url, namespaces=["/builds"], transports=list(transports), headers=headers or {}
        )

    def _on_lines(self, message: dict) -> None:
        self.events.append(("lines", message))

    def _on_status(self, build: dict) -> None:
        self.events.append(("status", build))
        if build["state"] in FINISHED:
            self.finished.set()

    def subscribe(self, build_id, after: int = 0):
        return self.client.call(
            "subscribe", {"build": build_id, "after": after}, namespace="/builds", timeout=30
        )

    def call(self, event: str, data):
        return self.client.call(event, data, namespace="/builds", timeout=30)

    def lines(self) -> list[tuple[int, str, int]]:
        """Every received line as (number, text, time), in arrival order."""
        received = []
        for kind, message in list(self.events):
            if kind == "lines":
                assert len(message["lines"]) == len(message["times"])
                for offset, text in enumerate(message["lines"]):
                    received.append((message["first"] + offset, text, message["times"][offset]))
        return received

    def assert_exactly(self, first: int, last: int) -> None:
        """Lines first..last, in order, no gap, no duplicate, final status after the last line."""
        numbers = [number for number, _, _ in self.lines()]
        assert numbers == list(range(first, last + 1)), (
            f"got {len(numbers)} lines, first {numbers[:3]}, expected {first}..{last}"
        )
        assert all(text == f"line {number}" for number, text, _ in self.lines())
        assert all(stamp > 1_600_000_000_000 for _, _, stamp in self.lines())
        kinds = [kind for kind, _ in self.events]
        last_status = max(i for i, kind in enumerate(kinds) if kind == "status")
        assert "lines" not in kinds[last_status:]
        assert self.events[last_status][1]["state"] in FINISHED

    def close(self) -> None:
        self.client.disconnect()
