"""Checking passwords without stalling the server or telling names apart, and
limiting failed sign-ins per client address and per name."""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.identity import auth_config, client_address

# Failed sign-ins allowed per client address, and per user name, in a window.
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 60.0
# Password checks running at once: an scrypt check holds 32 MB for about 0.1 s.
HASHES_AT_ONCE = 4


class FailureLimit:
    """Failed sign-ins per key (a client address, a user name) over the last window,
    in this process's memory. An attempt counts from the moment it starts, so many
    at once cannot slip past the limit together; a successful one is given back."""

    MAX_KEYS = 10_000

    def __init__(self, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.attempts: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.attempts.get(key)
        if times is None:
            if len(self.attempts) >= self.MAX_KEYS:
                self._forget_old(now)
            times = self.attempts[key] = deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _forget_old(self, now: float) -> None:
        """Keys with nothing in the window go; if all are in use, the oldest goes."""
        for key in [key for key, times in self.attempts.items()
                    if not times or times[-1] <= now - self.window]:
            del self.attempts[key]
        if len(self.attempts) >= self.MAX_KEYS:
            del self.attempts[next(iter(self.attempts))]

    def take(self, keys: Iterable[str]) -> float | None:
        """Count an attempt against each key; if one has no attempt left, count
        nothing and return the seconds until it has one."""
        with self.lock:
            now = self.clock()
            recent = [self._recent(key, now) for key in keys]
            spent = [times[0] + self.window - now for times in recent if len(times) >= self.limit]
            if spent:
                return max(spent)
            for times in recent:
                times.append(now)
            return None

    def give_back(self, keys: Iterable[str]) -> None:
        """The attempt succeeded: it is no failure."""
        with self.lock:
            for key in keys:
                times = self.attempts.get(key)
                if times:
                    times.pop()


class PasswordCheck:
    """Password hashes checked off the event loop, a few at a time, against a hash
    made for no one when the name is unknown: one hash per attempt either way, so
    neither the time nor the work tells a real name from a made-up one."""

    def __init__(self, users: dict[str, str]) -> None:
        # The unknown names' hash costs what the first user's does (same method).
        method = next(iter(users.values())).split("$", 1)[0] if users else ""
        self.nobody = generate_password_hash(secrets.token_urlsafe(), method) if users else ""
        self.slots = threading.BoundedSemaphore(HASHES_AT_ONCE)
        self.limit = FailureLimit()

    def verify(self, stored: str | None, password: str) -> bool:
        with self.slots:
            matches = _off_the_loop(check_password_hash, stored or self.nobody, password)
        return matches and stored is not None


def _off_the_loop(function: Callable, *args: Any) -> Any:
    """Under gevent, on the hub's thread pool (hashlib releases the GIL), so other
    requests and viewers are served meanwhile; otherwise right here."""
    from gevent import monkey

    if not monkey.is_module_patched("threading"):
        return function(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(function, args)


def sign_in_keys(name: str) -> tuple[str, str]:
    """What failed sign-ins are counted against: the client address and the name."""
    return f"address {client_address()}", f"name {name[:200]}"


def password_check() -> PasswordCheck:
    return current_app.extensions["buildtail-passwords"]


def retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def check_password(name: str, password: str) -> bool:
    """Whether ``name`` is a user whose password this is: one hash, off the event loop."""
    return password_check().verify(auth_config().users.get(name), password)
