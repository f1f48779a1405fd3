"""Builds over time: history filtered by recipe, state and text, and a recipe's figures.

A recipe filter reads the recipe's own history; state and text filters read
pages of history and keep what matches, at most SCAN_BUDGET builds per call,
so a rare match never makes one request read everything: the answer's
``next_before`` tells the caller where to read on.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import redis

from app import store
from app.archive import read_steps
from app.output import MASK

SCAN_PAGE = 200
SCAN_BUDGET = 1000
# The newest builds of a recipe its figures are drawn from, and how many the chart shows.
STATS_WINDOW = 500
RECENT_FINISHED = 50


def matches(build: dict[str, Any], state: str | None, text: str | None) -> bool:
    """Whether the build is in ``state`` and has ``text`` (any case) in a parameter's
    name or value; secret values (shown as ***) are not searched."""
    if state is not None and build["state"] != state:
        return False
    if not text:
        return True
    needle = text.casefold()
    return any(
        needle in name.casefold() or (value != MASK and needle in str(value).casefold())
        for name, value in build["params"].items()
    )


def search(
    client: redis.Redis, limit: int, before: int | None = None, recipe: str | None = None,
    state: str | None = None, text: str | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Up to ``limit`` builds below ``before`` that match, newest first, and the id to
    read on from (None once history is read to its start)."""
    if state is None and not text:
        return store.history_page(client, limit, before, recipe)
    found: list[dict[str, Any]] = []
    scanned = 0
    while scanned < SCAN_BUDGET:
        size = min(SCAN_PAGE, SCAN_BUDGET - scanned)
        page, after = store.history_page(client, size, before, recipe)
        for build in page:
            if matches(build, state, text):
                found.append(build)
                if len(found) == limit:
                    return found, build["id"]
        if after is None:
            return found, None
        scanned, before = scanned + size, after
    return found, before


def summarize(builds: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A recipe's figures from its builds (newest first): ``stats`` and ``recent``,
    the newest finished builds for a chart of durations."""
    builds = list(builds)
    finished = [build for build in builds if build["state"] in store.FINISHED_STATES]
    succeeded = [build for build in finished if build["state"] == store.SUCCEEDED]
    durations = [store.duration_ms(build["started_at"], build["finished_at"])
                 for build in succeeded[: store.DURATIONS_KEPT]]
    stats = {
        "builds": len(builds),
        "success_rate": len(succeeded) / len(finished) if finished else None,
        "median_duration_ms": store.median([ms for ms in durations if ms is not None]),
        "last_success": succeeded[0]["id"] if succeeded else None,
    }
    recent = [
        {"id": build["id"], "state": build["state"], "started_at": build["started_at"],
         "duration_ms": store.duration_ms(build["started_at"], build["finished_at"])}
        for build in finished[:RECENT_FINISHED]
    ]
    return {"stats": stats, "recent": recent}


def step_durations(steps: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Each step's title and how long it took (the first step of a title, when
    several share it); steps without both times are left out."""
    durations: dict[str, int] = {}
    for step in steps:
        took = store.duration_ms(step.get("started_at"), step.get("finished_at"))
        if took is not None and step.get("title"):
            durations.setdefault(step["title"], took)
    return durations


def recipe_history(client: redis.Redis, archive_dir: str | Path, recipe: str) -> dict[str, Any]:
    """``stats``, ``recent`` and ``step_durations_ms`` (of the last succeeded build)."""
    builds, _ = store.history_page(client, STATS_WINDOW, None, recipe)
    figures = summarize(builds)
    last = figures["stats"]["last_success"]
    steps = read_steps(client, archive_dir, last) if last is not None else []
    return {**figures, "step_durations_ms": step_durations(steps)}
