"""What every request must pass before the app sees it (a trusted Host, sane numbers in
URLs), response headers that keep log text inert, and the same-origin rule for the JSON API."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request
from werkzeug.routing import IntegerConverter

from app.settings import TrustedHost, split_host, trusted_hosts

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class HostCheck:
    """The whole WSGI app, Socket.IO included, behind an allow-list of Host names.

    A page on a name that its owner rebinds to this machine's address reaches
    the server with that name in Host, and the same-origin rules of the
    browser, of the API's Origin check and of Socket.IO all take it for this
    site. Only names in TRUSTED_HOSTS are. This wraps the app after SocketIO
    has wrapped it, since ``/socket.io/`` requests never reach Flask's
    ``before_request``.
    """

    def __init__(self, app: Callable, trusted: Iterable[TrustedHost]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    def trusts(self, environ: dict[str, Any]) -> bool:
        parts = split_host(environ.get("HTTP_HOST", ""))
        if parts is None:
            return False
        name, port = parts
        if port is None:  # the scheme's own port, which browsers leave out
            scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme")
            port = 443 if str(scheme).split(",")[0].strip().lower() == "https" else 80
        return any(host.matches(name, port) for host in self.trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if self.trusts(environ):
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        log.warning("refused %s %s for unknown host %r (not in TRUSTED_HOSTS)",
                    environ.get("REQUEST_METHOD"), path[:200], environ.get("HTTP_HOST", "")[:200])
        websocket = environ.get("wsgi.websocket")
        if websocket is not None:
            # gevent-websocket has already answered 101; close before Socket.IO sees it.
            websocket.close()
            return []
        if path.startswith("/api/"):
            body, kind = json.dumps({"error": "unknown host"}).encode(), "application/json"
        else:
            body, kind = b"unknown host\n", "text/plain; charset=utf-8"
        start_response("400 Bad Request", [
            ("Content-Type", kind), ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
        ])
        return [body]


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` with at most 16 ASCII digits (build ids stay below 2**53), so a
    5,000-digit id is a 404, never an int() of it."""

    regex = r"[0-9]{1,16}"


def _cross_site_write() -> bool:
    """A browser sends Origin with every cross-site POST; a form cannot forge it."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return False  # not a browser: curl, scripts, the command line
    return origin == "null" or urlsplit(origin).netloc != request.host


def init_security(app: Flask) -> None:
    """Called after ``SocketIO(app)`` (so the Host check wraps Socket.IO too) and before
    the blueprints are registered (so their ``<int:...>`` rules get the bounded converter)."""
    app.wsgi_app = HostCheck(app.wsgi_app, trusted_hosts(app.config))
    # Flask 3.1 reads TRUSTED_HOSTS too, as a list with ports ignored and IPv6
    # never matched; HostCheck has already checked every request.
    app.config["TRUSTED_HOSTS"] = None
    app.url_map.converters["int"] = BoundedIntegerConverter

    @app.before_request
    def refuse_cross_site_api_writes() -> Response | None:
        if request.blueprint == "api" and _cross_site_write():
            log.warning(
                "refused a cross-site %s %s from %s",
                request.method,
                request.path,
                request.headers.get("Origin"),
            )
            response = jsonify(error="cross-site requests to the API are not allowed")
            response.status_code = 403
            return response
        return None

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
