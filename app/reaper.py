"""Failing builds whose worker died: the web process is always up, so it checks leases."""

from __future__ import annotations

import logging

import gevent
import redis

from app import store

log = logging.getLogger(__name__)

CHECK_SECONDS = 5.0


def reap_lapsed(client: redis.Redis, retention_seconds: int) -> list[int]:
    """Fail every running build whose lease lapsed; returns their ids."""
    reaped = []
    for build_id in store.lapsed_builds(client):
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
    while True:
        try:
            reap_lapsed(client, retention_seconds)
        except redis.RedisError as error:
            log.warning("lease check skipped: %s", error)
        gevent.sleep(CHECK_SECONDS)
