"""Which build a build is compared with when nobody says: its recipe's last green one."""

from __future__ import annotations

from typing import Any

import redis

from app import store
from app.history import search


def last_success(client: redis.Redis, build: dict[str, Any]) -> int | None:
    """The id of the newest build before ``build`` (a smaller id) of the same recipe
    that succeeded, read from the recipe's own history (as far back as one history
    search reads); None when there is none."""
    found, _ = search(client, 1, build["id"], build["recipe"], store.SUCCEEDED)
    return found[0]["id"] if found else None
