"""buildtail: live build logs. ``create_app`` builds everything; nothing happens at import."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis
    from celery import Celery
    from flask import Flask
    from flask_socketio import SocketIO

    from app.recipes import Recipes
    from app.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the views, the namespace and the tasks share, kept in ``app.extensions``."""

    settings: Settings
    redis: redis.Redis
    recipes: Recipes
    celery: Celery
    socketio: SocketIO
    relay: Any
    metrics: Any

    def start_background(self) -> None:
        """Start the pub/sub relay, the lease check and the archiver: in the web process only.

        Each runs under ``guarded``, so an error restarts it instead of ending it.
        """
        from app.archive import Archiver
        from app.background import guarded
        from app.reaper import Reaper

        self.relay.start()
        settings = self.settings
        reaper = Reaper(self.redis, settings.retention_seconds, settings.LEASE_SECONDS)
        archiver = Archiver(
            self.redis,
            settings.ARCHIVE_DIR,
            settings.ARCHIVE_KEEP_IN_REDIS_SECONDS,
            settings.retention_seconds,
            _thread_offload(),
        )
        for name, loop in (("lease check", reaper.run), ("archiver", archiver.run)):
            self.socketio.start_background_task(
                guarded, name, loop, on_error=self.metrics.background_error
            )


def _thread_offload():
    """Compression runs on gevent's thread pool, so viewers are served meanwhile."""
    import gevent

    pool = gevent.get_hub().threadpool
    return lambda function, *args: pool.apply(function, args)


def _origins(value: str) -> list[str] | None:
    """None lets Socket.IO accept only same-origin browsers."""
    return [origin.strip() for origin in str(value).split(",") if origin.strip()] or None


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app, its Celery app, its Socket.IO server and the Redis clients."""
    from flask import Flask
    from flask_socketio import SocketIO
    from flask_wtf.csrf import CSRFProtect

    from app import api, web
    from app.auth import init_auth
    from app.cli import builds as builds_cli
    from app.metrics import Metrics
    from app.metrics import bp as metrics_bp
    from app.queueing import celery_init_app
    from app.recipes import load_recipes
    from app.redis_connection import redis_client
    from app.security import init_security
    from app.settings import load_settings
    from app.sockets import NAMESPACE, BuildsNamespace, Relay, packet_json

    settings = load_settings(config)
    app = Flask(__name__)
    app.config.update(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings.MAX_REQUEST_BYTES
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["WTF_CSRF_TIME_LIMIT"] = None

    recipes = load_recipes(settings.RECIPES_FILE)
    client = redis_client(settings, "web", settings.REDIS_POOL_SIZE)
    celery = celery_init_app(app, recipes)
    socketio = SocketIO(
        app,
        async_mode=settings.ASYNC_MODE or None,
        max_http_buffer_size=settings.MAX_SOCKET_MESSAGE_BYTES,
        cors_allowed_origins=_origins(settings.SOCKETIO_ALLOWED_ORIGINS),
        json=packet_json,
    )
    # The relay holds one pub/sub connection (two while one is replaced after a
    # drop or a failover).
    pubsub_client = redis_client(settings, "relay", 2)
    relay = Relay(socketio, client, pubsub_client, settings)
    socketio.on_namespace(
        BuildsNamespace(NAMESPACE, relay, settings.MAX_SUBSCRIPTIONS_PER_CLIENT)
    )
    metrics = Metrics(client, relay, recipes.queues())
    relay.metrics = metrics
    app.extensions["buildtail"] = Services(
        settings, client, recipes, celery, socketio, relay, metrics
    )

    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)
    init_security(app)
    init_auth(app, settings)
    app.register_blueprint(web.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(metrics_bp)
    app.cli.add_command(builds_cli)
    return app
