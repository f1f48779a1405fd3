"""Starting and cancelling builds: the one path that the form and the API both take."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from kombu.exceptions import OperationalError

from app import store
from app.auth.identity import auth_config, current_user

log = logging.getLogger(__name__)


class QueueError(RuntimeError):
    """The build was recorded but could not be handed to the workers."""


class AlreadyFinished(Exception):
    def __init__(self, build: dict[str, Any]) -> None:
        super().__init__(f"build {build['id']} already {build['state']}")
        self.build = build


def services():
    return current_app.extensions["buildtail"]


def start_build(recipe_name: Any, params: Any) -> dict[str, Any]:
    """Check the request against the recipes, record the build, then queue it.

    Raises RecipeError for a bad request. The record exists before the task is
    queued, so a worker never picks up an id that does not exist yet. With
    authentication on, it names the signed-in user who started it.
    """
    from app.tasks import run_build

    recipe, values = services().recipes.check(recipe_name, params)
    client = services().redis
    started_by = current_user() if auth_config().enabled else None
    build = store.create_build(client, recipe.name, values, recipe.secret_params, started_by)
    try:
        run_build.apply_async(args=[build["id"]], queue=recipe.queue)
    except OperationalError as error:
        log.error("build %s could not be queued: %s", build["id"], error)
        store.finish_build(client, build["id"], store.FAILED, reason="could not be queued",
                           from_states=[store.QUEUED], retention_seconds=_retention())
        raise QueueError("the build queue is unreachable; try again") from error
    log.info("build %s queued: %s", build["id"], recipe.name, extra={"build_id": build["id"]})
    return build


def cancel_build(build_id: int, by: str | None = None) -> dict[str, Any] | None:
    """Cancel a queued build at once, or ask its worker to stop a running one;
    ``by`` is the signed-in user who asked, kept as ``cancelled_by``.

    Returns the build record (None if unknown); raises AlreadyFinished.
    """
    client = services().redis
    build = store.get_build(client, build_id)
    if build is None:
        return None
    if build["state"] == store.QUEUED:
        if by:
            store.request_cancel(client, build_id, by)  # records who, for the record
        cancelled = store.finish_build(client, build_id, store.CANCELLED,
                                       from_states=[store.QUEUED], retention_seconds=_retention())
        if cancelled is not None:
            log.info("build %s cancelled before it started", build_id)
            return cancelled
        build = store.get_build(client, build_id)  # it started meanwhile
    if build["state"] in store.FINISHED_STATES:
        raise AlreadyFinished(build)
    store.request_cancel(client, build_id, by)
    log.info("build %s: cancel requested", build_id)
    return build


def _retention() -> int:
    return services().settings.retention_seconds
