"""A build from queued to a final state: the function the Celery task calls."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any

import redis

from app import store
from app.execution.environment import command_env
from app.execution.log_writer import LogWriter
from app.execution.outcome import Outcome
from app.execution.retry import retrying
from app.execution.watch import CommandWatch
from app.output import SecretMasker
from app.recipes import Recipe, Recipes
from app.redis_connection import replicas_to_wait_for
from app.runner import start_command
from app.settings import Settings

log = logging.getLogger(__name__)


def execute_build(
    client: redis.Redis, build_id: int, recipes: Recipes, settings: Settings
) -> dict[str, Any] | None:
    """Run a queued build to a final state; a build that is not queued is left alone.

    A redelivered task therefore never runs a build twice, and a cancelled
    queued build never starts.
    """
    retention = settings.retention_seconds
    build = store.get_build(client, build_id)
    if build is None:
        log.warning("build %s does not exist; nothing to run", build_id)
        return None
    recipe = recipes.get(build["recipe"])
    if recipe is None:
        return store.finish_build(client, build_id, store.FAILED, reason="unknown recipe",
                                  from_states=[store.QUEUED], retention_seconds=retention)
    started = store.transition(
        client, build_id, [store.QUEUED],
        {"state": store.RUNNING_STATE, "started_at": store.now_iso()},
        lease_seconds=settings.LEASE_SECONDS,
    )
    if started is None:
        log.info("build %s is no longer queued; not running it", build_id)
        return None
    log.info("build %s started: %s", build_id, recipe.name, extra={"build_id": build_id})
    try:
        outcome = run_in_workspace(client, build_id, recipe, settings)
    except store.NotRunning:
        return store.get_build(client, build_id)
    finished = retrying(
        lambda: store.finish_build(client, build_id, outcome.state, reason=outcome.reason,
                                   exit_code=outcome.exit_code, retention_seconds=retention),
        "recording how it ended",
        build_id,
    )
    log.info("build %s %s", build_id, outcome.state, extra={"build_id": build_id})
    return finished


def run_in_workspace(
    client: redis.Redis, build_id: int, recipe: Recipe, settings: Settings
) -> Outcome:
    """Run the recipe in a fresh directory, removed afterwards. An error of
    buildtail's own fails the build with a reason that says so."""
    root = os.path.abspath(settings.WORKSPACE_ROOT)
    os.makedirs(root, exist_ok=True)
    workspace = tempfile.mkdtemp(prefix=f"{build_id}-", dir=root)
    try:
        params = store.run_params(client, build_id)
        return run_recipe(client, build_id, recipe, params, workspace, settings)
    except store.NotRunning:
        raise
    except Exception:
        log.exception("build %s failed inside buildtail", build_id, extra={"build_id": build_id})
        return Outcome(store.FAILED, "internal error")
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def run_recipe(
    client: redis.Redis, build_id: int, recipe: Recipe, params: dict[str, str],
    workspace: str, settings: Settings,
) -> Outcome:
    """Start the command with its environment and secrets masked, and watch it to its end."""
    env = command_env(build_id, params, recipe.secret_env)
    secrets = [params[name] for name in recipe.secret_params if name in params]
    secrets += [env[name] for name in recipe.secret_env if name in env]
    writer = LogWriter(client, build_id, settings.MAX_LOG_BYTES, SecretMasker(secrets),
                       replicas_to_wait_for(settings), recipe.problems)
    try:
        process = start_command(recipe.command, workspace, env)
    except OSError as error:
        writer.write(
            [f"[buildtail] could not start {recipe.command[0]}: {error}"], [store.now_ms()]
        )
        return Outcome(store.FAILED, "could not start the command")
    return CommandWatch(client, build_id, process, writer, settings, recipe.timeout).run()
