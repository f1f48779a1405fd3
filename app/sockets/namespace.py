"""Client events of the ``/builds`` namespace: validate, then hand over to the relay."""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_socketio import Namespace, join_room, leave_room

from app.auth import public, viewer_required
from app.sockets.relay import FOLLOWERS_ROOM, Relay, SubscribeError

log = logging.getLogger(__name__)

MAX_BUILD_ID = 2**53


class PayloadError(ValueError):
    pass


def _whole_number(data: dict, key: str, *, default: int | None = None, minimum: int = 0) -> int:
    value = data.get(key, default)
    if value is None:
        raise PayloadError(f"{key} is required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{key} must be a whole number")
    if not minimum <= value <= MAX_BUILD_ID:
        raise PayloadError(f"{key} must be between {minimum} and {MAX_BUILD_ID}")
    return value


def _payload(data: Any) -> dict:
    if not isinstance(data, dict):
        raise PayloadError("the payload must be an object")
    return data


def _refuse(event: str, error: str) -> dict[str, Any]:
    log.warning("refused %s from %s: %s", event, request.sid, error)
    return {"ok": False, "error": error}


class BuildsNamespace(Namespace):
    """One method per client event; every answer goes back through the ack."""

    def __init__(self, namespace: str, relay: Relay, max_subscriptions: int) -> None:
        super().__init__(namespace)
        self.relay = relay
        self.max_subscriptions = max_subscriptions

    @viewer_required
    def on_connect(self, auth: Any = None) -> bool:
        self.relay.start()
        return True

    @public
    def on_disconnect(self, reason: Any = None) -> None:
        self.relay.drop_client(request.sid)

    @viewer_required
    def on_subscribe(self, data: Any = None) -> dict[str, Any]:
        try:
            data = _payload(data)
            build_id = _whole_number(data, "build", minimum=1)
            after = _whole_number(data, "after", default=0)
        except PayloadError as error:
            return _refuse("subscribe", str(error))
        try:
            build = self.relay.subscribe(request.sid, build_id, after, self.max_subscriptions)
        except SubscribeError as error:
            return _refuse("subscribe", str(error))
        return {"ok": True, "build": build}

    @viewer_required
    def on_unsubscribe(self, data: Any = None) -> dict[str, Any]:
        try:
            build_id = _whole_number(_payload(data), "build", minimum=1)
        except PayloadError as error:
            return _refuse("unsubscribe", str(error))
        if not self.relay.unsubscribe(request.sid, build_id):
            return {"ok": False, "error": f"this client is not subscribed to build {build_id}"}
        return {"ok": True}

    @viewer_required
    def on_malformed(self, problem: Any = None) -> dict[str, Any]:
        """A packet whose JSON could not be read (see ``packet_json``)."""
        return _refuse("a message", str(problem))

    @viewer_required
    def on_follow_builds(self, data: Any = None) -> dict[str, Any]:
        join_room(FOLLOWERS_ROOM)
        return {"ok": True}

    @viewer_required
    def on_unfollow_builds(self, data: Any = None) -> dict[str, Any]:
        leave_room(FOLLOWERS_ROOM)
        return {"ok": True}
