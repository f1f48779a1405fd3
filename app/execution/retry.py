"""Riding out a Redis outage from a worker: idempotent actions are tried again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis

log = logging.getLogger(__name__)

REDIS_RETRY_SECONDS = 60
T = TypeVar("T")


def retrying(action: Callable[[], T], what: str, build_id: int) -> T:
    """Run a Redis action, retrying for REDIS_RETRY_SECONDS while Redis is unreachable.

    Only idempotent actions go through here: appends are checked by line
    number and transitions by the state they start from.
    """
    delay, deadline = 0.1, time.monotonic() + REDIS_RETRY_SECONDS
    while True:
        try:
            return action()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            if time.monotonic() > deadline:
                raise
            log.warning("build %s: %s failed (%s); retrying", build_id, what, error,
                        extra={"build_id": build_id})
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
