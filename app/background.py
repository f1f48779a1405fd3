"""Background loops that survive their own errors.

Every loop of the web process (the relay's reader and sweeper, each viewer's
catch-up, the heartbeat, the lease check, the archiver) runs under ``guarded``:
an exception is logged with the build it concerns, counted in /metrics, and
the loop starts again after a pause that doubles while it keeps failing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import gevent
import redis

log = logging.getLogger(__name__)

FIRST_PAUSE_SECONDS = 1.0
MAX_PAUSE_SECONDS = 30.0


def guarded(
    name: str,
    loop: Callable[..., Any],
    *args: Any,
    on_error: Callable[[str], None] | None = None,
    alive: Callable[[], bool] = lambda: True,
    sleep: Callable[[float], Any] = gevent.sleep,
) -> None:
    """Run ``loop(*args)`` until it returns, restarting it after each error.

    ``alive`` is asked before each restart (a viewer's catch-up ends when the
    viewer has gone). A run that lasted longer than the longest pause starts
    the pauses over, so a loop failing once a day never waits long.
    """
    pause = FIRST_PAUSE_SECONDS
    while True:
        started = time.monotonic()
        try:
            loop(*args)
            return
        except Exception as error:  # the loop's own errors must not end it
            if time.monotonic() - started > MAX_PAUSE_SECONDS:
                pause = FIRST_PAUSE_SECONDS
            _report(name, error, pause)
            if on_error is not None:
                on_error(name)
        if not alive():
            return
        sleep(pause)
        pause = min(pause * 2, MAX_PAUSE_SECONDS)


def _report(name: str, error: Exception, pause: float) -> None:
    """Redis being away is an outage, said in one line; anything else gets its traceback."""
    build_id = getattr(error, "build_id", None)
    about = f" (build {build_id})" if build_id is not None else ""
    extra = {"build_id": build_id} if build_id is not None else {}
    if isinstance(error, redis.RedisError) or isinstance(error.__cause__, redis.RedisError):
        log.warning("%s stopped%s: %s; restarting in %.0fs", name, about, error, pause,
                    extra=extra)
    else:
        log.error("%s stopped%s; restarting in %.0fs", name, about, pause, exc_info=error,
                  extra=extra)
