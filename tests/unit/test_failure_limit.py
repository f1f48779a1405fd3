"""The in-memory limit on failed sign-ins, driven by a clock the test turns."""

from __future__ import annotations

from app.auth.passwords import FailureLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_attempts_a_minute_per_key_then_the_wait_until_the_oldest_expires():
    clock = Clock()
    limit = FailureLimit(5, 60, clock)
    for _ in range(5):
        assert limit.take(["address 10.0.0.1", "name alice"]) is None
        clock.now += 1
    assert limit.take(["address 10.0.0.1", "name bob"]) == 55  # the first went at 1000, it is 1005
    assert limit.take(["address 10.0.0.2", "name alice"]) == 55
    assert limit.take(["address 10.0.0.2", "name bob"]) is None  # other keys are untouched
    clock.now = 1060  # the first attempt leaves the window
    assert limit.take(["address 10.0.0.1", "name carol"]) is None
    assert limit.take(["address 10.0.0.1", "name carol"]) == 1


def test_a_refused_attempt_counts_nothing_and_a_success_is_given_back():
    clock = Clock()
    limit = FailureLimit(2, 60, clock)
    keys = ["address a", "name alice"]
    assert limit.take(keys) is None
    limit.give_back(keys)
    assert limit.take(keys) is None
    assert limit.take(keys) is None
    assert limit.take(keys) is not None
    assert limit.take(["address b", "name bob"]) is None
    assert len(limit.attempts["name bob"]) == 1


def test_memory_is_bounded_by_the_number_of_keys():
    clock = Clock()
    limit = FailureLimit(5, 60, clock)
    limit.MAX_KEYS = 100
    for n in range(1000):
        limit.take([f"name {n}"])
        clock.now += 0.001
    assert len(limit.attempts) <= 100
