"""Entry point for ``celery -A celery_worker worker``: the same app, seen by Celery."""

from celery.signals import setup_logging

from app import create_app
from app.logs import configure_logging


@setup_logging.connect
def use_buildtail_logging(**_) -> None:
    """Workers log like the server (LOG_FORMAT=json for JSON lines)."""
    configure_logging()


flask_app = create_app()
celery = flask_app.extensions["celery"]
