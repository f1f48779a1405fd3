"""Who is asking: the signed-in user of a request, from the proxy, a token or the session."""

from __future__ import annotations

import hmac

from flask import current_app, request, session

from app.auth.config import AuthConfig
from app.settings import is_loopback


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


def client_address() -> str:
    """The peer's address; from a proxy on this machine (a loopback peer, like
    deploy/nginx.conf's), the client address it appended to X-Forwarded-For."""
    peer = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "").rsplit(",", 1)[-1].strip()
    return forwarded[:64] if forwarded and is_loopback(peer) else peer
