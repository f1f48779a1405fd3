"""A recipe with how its builds went: the figures of its page and of its ETA."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api.common import BadRequest
from app.auth import viewer_required
from app.builds import services
from app.history import recipe_history

bp = Blueprint("recipes", __name__)


@bp.get("/recipes/<name>")
@viewer_required
def show_recipe(name: str) -> Response:
    """The recipe as ``GET /api/recipes`` lists it, with ``stats``, ``recent`` (its
    newest finished builds) and ``step_durations_ms`` (of its last succeeded build)."""
    recipe = services().recipes.get(name)
    if recipe is None:
        raise BadRequest(f"there is no recipe named {name[:64]!r}", 404)
    figures = recipe_history(services().redis, services().settings.ARCHIVE_DIR, recipe.name)
    return jsonify({**recipe.to_json(), **figures})
