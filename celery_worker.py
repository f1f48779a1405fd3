"""Entry point for ``celery -A celery_worker worker``: the same app, seen by Celery."""

from app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
