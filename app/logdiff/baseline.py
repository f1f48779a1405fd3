"""Which build a build is compared with when nobody says: its recipe's last green one."""

from __future__ import annotations

from typing import Any

import redis

from app import store

PAGE = 200
# How far back through history the search goes before it gives up.
SCAN_LIMIT = 2_000


def last_success(client: redis.Redis, build: dict[str, Any]) -> int | None:
    """The id of the newest build before ``build`` (a smaller id) of the same recipe
    that succeeded, within SCAN_LIMIT builds back; None when there is none."""
    before, seen = build["id"], 0
    while seen < SCAN_LIMIT:
        page = store.list_builds(client, min(PAGE, SCAN_LIMIT - seen), before)
        if not page:
            return None
        for earlier in page:
            if earlier["recipe"] == build["recipe"] and earlier["state"] == store.SUCCEEDED:
                return earlier["id"]
        seen += len(page)
        before = page[-1]["id"]
    return None
