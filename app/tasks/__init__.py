"""Celery tasks: thin glue from a queued message to ``app.execution``."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from app.execution import execute_build


@shared_task(name="buildtail.run_build", ignore_result=True)
def run_build(build_id: int) -> None:
    """Run one build on this worker; the build's state says whether it still should."""
    services = current_app.extensions["buildtail"]
    execute_build(services.redis, build_id, services.recipes, services.settings)
