"""Celery, configured from the Flask app's settings when the app is created."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu import Exchange, Queue

from app.recipes import Recipes
from app.redis_connection import celery_broker

# Redis redelivers an unacknowledged task after this long; it must outlast the
# longest build, or a slow build could be handed to a second worker.
VISIBILITY_MARGIN_SECONDS = 3600


def celery_init_app(app: Flask, recipes: Recipes) -> Celery:
    """Build the Celery app whose tasks run inside this Flask app's context.

    A worker started without -Q consumes every queue the recipes name, so one
    worker (the launcher's, the Procfile's) runs every build; -Q narrows it.
    """

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    broker = celery_broker(app.config)
    celery.config_from_object(
        {
            "broker_url": broker["broker_url"],
            "broker_use_ssl": broker["broker_use_ssl"],
            "broker_connection_retry_on_startup": True,
            "broker_transport_options": {
                **broker["broker_transport_options"],
                "visibility_timeout": recipes.longest_timeout() + VISIBILITY_MARGIN_SECONDS,
            },
            # Queueing a build opens a broker connection and closes it again,
            # so the web process holds none between starts (its budget is its
            # pool and the relay's pub/sub connection).
            "broker_pool_limit": 0,
            # Declared as Celery declares a queue it meets for the first time.
            "task_queues": [Queue(name, Exchange(name), routing_key=name)
                            for name in recipes.queues()],
            "task_ignore_result": True,
            "task_acks_late": False,
            "worker_prefetch_multiplier": 1,
            "worker_hijack_root_logger": False,
            "imports": ["app.tasks"],
        }
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
