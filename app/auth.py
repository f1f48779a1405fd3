"""Who may start, rebuild and cancel builds, and, when configured, who may watch.

Any of three settings turns authentication on:

- ``AUTH_USERS``: ``name:hash,name:hash`` with password hashes made by
  ``python -m app.auth`` (werkzeug's scrypt); people sign in on ``/login``
  and stay signed in through the signed session cookie.
- ``AUTH_PROXY_HEADER``: a header that a trusted reverse proxy sets to the
  signed-in user's name (the proxy must strip it from clients' requests).
- ``API_TOKENS``: ``name:token,...`` for the JSON API and scripts, sent as
  ``Authorization: Bearer <token>``.

``AUTH_VIEWING`` is ``public`` (anyone may watch; the default) or
``authenticated`` (pages, the API and Socket.IO need a user too).

Signing in costs one password hash per attempt, known name or not, computed off
the event loop; failed attempts are limited per client address and per name.
"""

from __future__ import annotations

import getpass
import hmac
import logging
import math
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from app.settings import ConfigError, is_loopback

log = logging.getLogger(__name__)

# Endpoints that run or stop commands on the workers.
OPERATE = {"web.create_build", "web.rebuild", "api.create_build", "api.cancel"}
# Endpoints anyone may reach, whatever AUTH_VIEWING says.
OPEN = {"auth.login", "auth.logout", "static", "web.healthz"}

# Failed sign-ins allowed per client address, and per user name, in a window.
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 60.0
# Password checks running at once: an scrypt check holds 32 MB for about 0.1 s.
HASHES_AT_ONCE = 4


@dataclass(frozen=True)
class AuthConfig:
    users: dict[str, str] = field(default_factory=dict)  # name -> password hash
    proxy_header: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # token -> name
    viewing: str = "public"

    @property
    def enabled(self) -> bool:
        return bool(self.users or self.proxy_header or self.tokens)


def _pairs(name: str, raw: str) -> list[tuple[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in str(raw).split(","))):
        key, sep, value = item.partition(":")
        if not sep or not key or not value:
            raise ConfigError(f"{name} must be a comma-separated list of name:value pairs")
        pairs.append((key, value))
    return pairs


def _check_hash(name: str, stored: str) -> str:
    method = stored.split("$", 1)[0]
    if stored.count("$") != 2 or not method.startswith(("scrypt", "pbkdf2")):
        raise ConfigError(f"AUTH_USERS: the hash of {name} is not one made by "
                          "`python -m app.auth NAME`")
    return stored


def parse_auth(settings: dict[str, Any]) -> AuthConfig:
    viewing = str(settings["AUTH_VIEWING"]).strip().lower()
    if viewing not in ("public", "authenticated"):
        raise ConfigError("AUTH_VIEWING must be public or authenticated")
    tokens = {}
    for name, token in _pairs("API_TOKENS", settings["API_TOKENS"]):
        if len(token) < 16:
            raise ConfigError(f"API_TOKENS: the token of {name} is shorter than 16 characters")
        tokens[token] = name
    config = AuthConfig(
        users={name: _check_hash(name, stored)
               for name, stored in _pairs("AUTH_USERS", settings["AUTH_USERS"])},
        proxy_header=str(settings["AUTH_PROXY_HEADER"]).strip(),
        tokens=tokens,
        viewing=viewing,
    )
    if viewing == "authenticated" and not config.enabled:
        raise ConfigError("AUTH_VIEWING=authenticated needs AUTH_USERS, AUTH_PROXY_HEADER "
                          "or API_TOKENS")
    return config


def auth_config() -> AuthConfig:
    return current_app.extensions["buildtail-auth"]


def current_user() -> str | None:
    """The signed-in user of this request, from the proxy, a token or the session."""
    config = auth_config()
    if config.proxy_header:
        name = request.headers.get(config.proxy_header, "").strip()
        if name:
            return name
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        for known, name in config.tokens.items():
            if hmac.compare_digest(known.encode(), token.strip().encode()):
                return name
    name = session.get("user")
    return name if name in config.users else None


def may_watch() -> bool:
    config = auth_config()
    return not config.enabled or config.viewing == "public" or current_user() is not None


def _refuse() -> Response:
    log.warning("refused %s %s: not signed in", request.method, request.path)
    if request.blueprint == "api":
        response = jsonify(error="sign in first: send Authorization: Bearer <token>")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="buildtail"'
        return response
    back = request.full_path if request.method == "GET" else (request.referrer or "/")
    return redirect(url_for("auth.login", next=back), 303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


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


def client_address() -> str:
    """The peer's address; from a proxy on this machine (a loopback peer, like
    deploy/nginx.conf's), the client address it appended to X-Forwarded-For."""
    peer = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "").rsplit(",", 1)[-1].strip()
    return forwarded[:64] if forwarded and is_loopback(peer) else peer


def sign_in_keys(name: str) -> tuple[str, str]:
    """What failed sign-ins are counted against: the client address and the name."""
    return f"address {client_address()}", f"name {name[:200]}"


def password_check() -> PasswordCheck:
    return current_app.extensions["buildtail-passwords"]


def retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def init_auth(app: Flask, settings: dict[str, Any]) -> None:
    from app.web.login import bp

    config = parse_auth(settings)
    app.extensions["buildtail-auth"] = config
    app.extensions["buildtail-passwords"] = PasswordCheck(config.users)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = bool(settings["SECURE_COOKIES"])
    app.register_blueprint(bp)
    app.jinja_env.globals["auth_enabled"] = config.enabled
    app.jinja_env.globals["current_user"] = current_user

    @app.before_request
    def require_a_user() -> Response | None:
        if not config.enabled or request.endpoint in OPEN or request.endpoint is None:
            return None
        needs_user = request.endpoint in OPERATE or config.viewing == "authenticated"
        if needs_user and current_user() is None:
            return _refuse()
        return None


def check_password(name: str, password: str) -> bool:
    """Whether ``name`` is a user whose password this is: one hash, off the event loop."""
    return password_check().verify(auth_config().users.get(name), password)


def main() -> int:
    """Print an AUTH_USERS entry: python -m app.auth NAME (the password is asked
    for; with --password-stdin, a provisioning script pipes it in instead)."""
    args = sys.argv[1:]
    from_stdin = "--password-stdin" in args
    names = [arg for arg in args if arg != "--password-stdin"]
    if len(names) != 1 or ":" in names[0] or "," in names[0] or names[0].startswith("-"):
        print("usage: python -m app.auth NAME [--password-stdin]   (NAME without ':' or ',')",
              file=sys.stderr)
        return 2
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            print("the two passwords differ", file=sys.stderr)
            return 1
    if not password:
        print("the password is empty", file=sys.stderr)
        return 1
    print(f"{names[0]}:{generate_password_hash(password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
