"""The guard every background loop runs under: it logs, counts and restarts."""

from __future__ import annotations

import logging

import redis

from app.background import MAX_PAUSE_SECONDS, guarded


class Flaky:
    """A loop that fails ``failures`` times, then returns."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.runs = 0

    def __call__(self, value: str) -> None:
        self.runs += 1
        assert value == "argument"
        if self.failures:
            raise self.failures.pop(0)


def test_a_failing_loop_is_restarted_with_growing_pauses_and_counted(caplog):
    error = OSError("disk gone")
    error.build_id = 7
    loop = Flaky([error, ValueError("bad"), redis.ConnectionError("refused")])
    pauses, counted = [], []
    with caplog.at_level(logging.WARNING, logger="app.background"):
        guarded("archiver", loop, "argument", on_error=counted.append, sleep=pauses.append)
    assert loop.runs == 4
    assert counted == ["archiver"] * 3
    assert pauses == [1.0, 2.0, 4.0]
    messages = [record.getMessage() for record in caplog.records]
    assert "archiver stopped (build 7); restarting in 1s" in messages[0]
    assert caplog.records[0].build_id == 7 and caplog.records[0].exc_info
    assert "refused" in messages[2] and not caplog.records[2].exc_info  # an outage: one line


def test_pauses_stop_growing_and_a_gone_owner_ends_the_loop():
    pauses = []
    loop = Flaky([RuntimeError("again")] * 10)
    guarded("catch-up", loop, "argument", sleep=pauses.append, alive=lambda: len(pauses) < 7)
    assert loop.runs == 8
    assert pauses[-1] == MAX_PAUSE_SECONDS and max(pauses) == MAX_PAUSE_SECONDS
