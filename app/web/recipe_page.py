"""A page per recipe: what it does, how to start it, and how its builds went."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("recipes", __name__)
