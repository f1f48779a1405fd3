"""A build's log compared with another's."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("diff", __name__)
