"""A page per recipe: what it does, how to start it, and how its builds went."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for

from app.auth import viewer_required
from app.builds import services

bp = Blueprint("recipes", __name__)


@bp.get("/recipes/<name>")
@viewer_required
def show_recipe(name: str) -> str:
    """The recipe and its start form; its figures and chart come from
    ``GET /api/recipes/<name>``, which the page's script reads."""
    recipe = services().recipes.get(name)
    if recipe is None:
        abort(404, f"There is no recipe {name!r}.")
    badge_url = url_for("web.badge", recipe=name, _external=True)
    return render_template("recipe.html", recipe=recipe, badge_url=badge_url)
