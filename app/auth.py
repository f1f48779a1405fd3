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
"""

from __future__ import annotations

import getpass
import hmac
import logging
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from app.settings import ConfigError

log = logging.getLogger(__name__)

# Endpoints that run or stop commands on the workers.
OPERATE = {"web.create_build", "web.rebuild", "api.create_build", "api.cancel"}
# Endpoints anyone may reach, whatever AUTH_VIEWING says.
OPEN = {"auth.login", "auth.logout", "static", "web.healthz"}


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
        users=dict(_pairs("AUTH_USERS", settings["AUTH_USERS"])),
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


def init_auth(app: Flask, settings: dict[str, Any]) -> None:
    from app.web.login import bp

    config = parse_auth(settings)
    app.extensions["buildtail-auth"] = config
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
    stored = auth_config().users.get(name)
    if stored is None:
        check_password_hash(generate_password_hash("x"), password)  # same time either way
        return False
    return check_password_hash(stored, password)


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
