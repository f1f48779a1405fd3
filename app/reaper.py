"""Failing builds whose worker died: the web process is always up, so it checks leases."""

from __future__ import annotations

import logging

import gevent
import redis

from app import store

log = logging.getLogger(__name__)

# A lapsed lease is acted on at the second check that finds it: a worker lost
# is failed within LEASE_SECONDS + 2 * CHECK_SECONDS (15 + 10 by default).
CHECK_SECONDS = 5.0


def reap_lapsed(client: redis.Redis, retention_seconds: int, suspects: set[int]) -> list[int]:
    """Fail every running build whose lease was lapsed at this check and the one before.

    Two checks apart, a worker that was only cut off from Redis for a moment
    has renewed its lease again (it retries every half second).
    ``suspects`` carries the builds lapsed at the previous check.
    """
    lapsed = set(store.lapsed_builds(client))
    confirmed = sorted(lapsed & suspects)
    suspects.clear()
    suspects.update(lapsed)
    reaped = []
    for build_id in confirmed:
        build = store.transition(
            client,
            build_id,
            [store.RUNNING_STATE],
            {"state": store.FAILED, "reason": "worker lost", "finished_at": store.now_iso()},
            retention_seconds=retention_seconds,
        )
        if build is not None:
            log.warning("build %s: worker lost", build_id, extra={"build_id": build_id})
            reaped.append(build_id)
    return reaped


def run_reaper(client: redis.Redis, retention_seconds: int) -> None:
    suspects: set[int] = set()
    while True:
        try:
            reap_lapsed(client, retention_seconds, suspects)
        except redis.RedisError as error:
            # While Redis was away no worker could renew: start over.
            suspects.clear()
            log.warning("lease check skipped: %s", error)
        gevent.sleep(CHECK_SECONDS)
