"""Failing builds whose worker died: the web process is always up, so it checks leases."""

from __future__ import annotations

import logging
import time

import gevent
import redis

from app import store

log = logging.getLogger(__name__)

# A worker renews its lease every LEASE_SECONDS / 6 (one second by default).
# A lapsed lease is acted on at the second check that finds it, so a killed
# worker's build fails within LEASE_SECONDS + 2 * CHECK_SECONDS (8 s by default).
CHECK_SECONDS = 1.0


class Reaper:
    """Checks every CHECK_SECONDS for running builds whose worker stopped renewing.

    Two checks apart, a worker that was only cut off from Redis for a moment
    has renewed its lease again (it retries every half second). After Redis
    itself was away, every lease may have lapsed meanwhile: no build is failed
    until a whole lease has passed with Redis back, time for every live
    worker to renew.
    """

    def __init__(self, client: redis.Redis, retention_seconds: int, lease_seconds: int) -> None:
        self.client = client
        self.retention_seconds = retention_seconds
        self.lease_seconds = lease_seconds
        self.suspects: set[int] = set()
        self.quiet_until = 0.0

    def run(self) -> None:
        while True:
            self.check()
            gevent.sleep(CHECK_SECONDS)

    def check(self) -> list[int]:
        """One look at the leases; returns the builds failed as worker lost."""
        try:
            lapsed = set(store.lapsed_builds(self.client))
            if time.monotonic() < self.quiet_until:
                lapsed = set()
            confirmed = sorted(lapsed & self.suspects)
            self.suspects = lapsed
            return [build_id for build_id in confirmed if self._fail(build_id)]
        except redis.RedisError as error:
            self.suspects = set()
            self.quiet_until = time.monotonic() + self.lease_seconds
            log.warning("lease check skipped: %s", error)
            return []

    def _fail(self, build_id: int) -> bool:
        build = store.finish_build(self.client, build_id, store.FAILED, reason="worker lost",
                                   retention_seconds=self.retention_seconds)
        if build is not None:
            log.warning("build %s: worker lost", build_id, extra={"build_id": build_id})
        return build is not None
