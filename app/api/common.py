"""What every JSON API route shares: its refusals and its argument readers."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from app import store
from app.builds import services

# Ids and line numbers stay below 2**53: 16 digits. Longer query values are refused
# (or clamped) before int(), which raises on 4,300 digits or more.
MAX_DIGITS = 16


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def error_response(message: str, status: int) -> tuple[Response, int]:
    return jsonify(error=message), status


def query_int(name: str, default: int, minimum: int, maximum: int, clamp: bool = False) -> int:
    """A whole-number query argument; with ``clamp``, one above ``maximum`` means the maximum
    (as GitHub's and GitLab's APIs treat page sizes)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    digits = raw.isascii() and raw.isdigit()
    if digits and clamp and (len(raw) > MAX_DIGITS or int(raw) > maximum):
        return maximum
    if not digits or len(raw) > MAX_DIGITS or not minimum <= int(raw) <= maximum:
        raise BadRequest(f"{name} must be a whole number from {minimum} to {maximum}")
    return int(raw)


def json_body() -> dict[str, Any]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("the JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object, sent as application/json")
    return body


def known_build(build_id: int) -> dict[str, Any]:
    build = store.get_build(services().redis, build_id)
    if build is None:
        raise BadRequest(f"build {build_id} does not exist", 404)
    return build
