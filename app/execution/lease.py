"""A running build's lease, renewed by its worker while the worker lives."""

from __future__ import annotations

import logging
import threading

import redis

from app import store

log = logging.getLogger(__name__)

LEASE_RETRY_SECONDS = 0.5


class LeaseKeeper:
    """Renews a running build's lease on its own thread, so neither a long write
    nor a Redis outage lets it lapse while this worker is alive."""

    def __init__(self, client: redis.Redis, build_id: int, seconds: int) -> None:
        self.client = client
        self.build_id = build_id
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._renew, name=f"lease-of-{build_id}", daemon=True
        )
        self._thread.start()

    def _renew(self) -> None:
        # Renewing six times a lease lets a web process tell a silent worker
        # (no renewal for a few seconds) long before the lease lapses.
        pause = self.seconds / 6
        while not self._stop.wait(pause):
            try:
                store.renew_lease(self.client, self.build_id, self.seconds)
                pause = self.seconds / 6
            except redis.RedisError as error:
                log.warning("build %s: lease renewal failed (%s)", self.build_id, error,
                            extra={"build_id": self.build_id})
                pause = LEASE_RETRY_SECONDS  # renew the moment Redis is back

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
