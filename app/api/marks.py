"""What the worker found in a build's log as it wrote it: annotations and steps."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("marks", __name__)
