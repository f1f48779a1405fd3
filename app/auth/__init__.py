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
``authenticated`` (pages, the API and Socket.IO need a user too). Each view
declares what it needs (``policy``); signing in lives in ``views``, password
checks and their limits in ``passwords``, who is asking in ``identity``.
"""

from __future__ import annotations

from flask import Flask

from app.auth.config import AuthConfig, parse_auth
from app.auth.identity import auth_config, current_user
from app.auth.passwords import PasswordCheck
from app.auth.policy import (
    enforce_policies,
    operator_required,
    public,
    viewer_required,
)
from app.auth.views import bp, safe_next
from app.settings import Settings

__all__ = [
    "AuthConfig", "auth_config", "current_user", "init_auth",
    "operator_required", "public", "safe_next", "viewer_required",
]


def init_auth(app: Flask, settings: Settings) -> None:
    """Read the settings, register the sign-in views and check every request."""
    config = parse_auth(settings)
    app.extensions["buildtail-auth"] = config
    app.extensions["buildtail-passwords"] = PasswordCheck(config.users)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = settings.SECURE_COOKIES
    app.register_blueprint(bp)
    app.jinja_env.globals["auth_enabled"] = config.enabled
    app.jinja_env.globals["current_user"] = current_user
    enforce_policies(app)
