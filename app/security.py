"""Response headers that keep log text inert, and the same-origin rule for the JSON API."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request

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


def _cross_site_write() -> bool:
    """A browser sends Origin with every cross-site POST; a form cannot forge it."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return False  # not a browser: curl, scripts, the command line
    return origin == "null" or urlsplit(origin).netloc != request.host


def init_security(app: Flask) -> None:
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
