"""Who may reach each route and Socket.IO handler, declared on the view itself.

Every view carries one of three policies, set by a decorator next to its
route: ``operator_required`` (it runs or stops commands on the workers: a user
always, once authentication is on), ``viewer_required`` (it shows builds: a
user when ``AUTH_VIEWING=authenticated``) or ``public`` (anyone: signing in,
the health check). A view without one is refused to everyone but a user,
whatever the settings, and a test fails for it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, jsonify, redirect, request, url_for

from app.auth.identity import auth_config, current_user

log = logging.getLogger(__name__)

OPERATOR, VIEWER, PUBLIC = "operator", "viewer", "public"
# Views that are not ours to decorate: Flask's own static files.
PUBLIC_ENDPOINTS = frozenset({"static"})

View = TypeVar("View", bound=Callable)


def _declare(policy: str) -> Callable[[View], View]:
    """A decorator that checks ``policy`` before the view (or Socket.IO handler) runs,
    and leaves it on the view for the checks and tests that look for it."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if needs_user(policy) and current_user() is None:
                return _refused_event(view) if getattr(request, "sid", None) else _refuse()
            return view(*args, **kwargs)

        checked.access_policy = policy
        return checked  # type: ignore[return-value]

    return decorate


operator_required = _declare(OPERATOR)
viewer_required = _declare(VIEWER)
public = _declare(PUBLIC)


def policy_of(app: Flask, endpoint: str) -> str | None:
    """The policy declared on an endpoint's view, or None when there is none."""
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    return getattr(app.view_functions.get(endpoint), "access_policy", None)


def needs_user(policy: str | None) -> bool:
    """Whether a request under ``policy`` must come from a signed-in user."""
    config = auth_config()
    if not config.enabled or policy == PUBLIC:
        return False
    return policy != VIEWER or config.viewing == "authenticated"


def enforce_policies(app: Flask) -> None:
    """Refuse any view that declares no policy to everyone but a user: a view
    added without one is closed, not open."""

    @app.before_request
    def require_a_declared_policy() -> Response | None:
        if request.endpoint is None:  # no such route: a 404 follows
            return None
        if policy_of(app, request.endpoint) is not None:
            return None
        log.error("%s has no declared access policy: refused", request.endpoint)
        if auth_config().enabled and current_user() is not None:
            return None
        return _refuse()


def _refused_event(handler: Callable) -> Any:
    """A Socket.IO handler's refusal: a refused connect is False; an event gets
    an error ack."""
    log.warning("refused %s from %s: not signed in", handler.__name__, request.remote_addr)
    if handler.__name__ == "on_connect":
        return False
    return {"ok": False, "error": "sign in first"}


def _refuse() -> Response:
    log.warning("refused %s %s: not signed in", request.method, request.path)
    if request.blueprint == "api":
        response = jsonify(error="sign in first: send Authorization: Bearer <token>")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="buildtail"'
        return response
    back = request.full_path if request.method == "GET" else (request.referrer or "/")
    return redirect(url_for("auth.login", next=back), 303)
