"""What the worker found in a build's log as it wrote it: annotations and steps."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api.common import known_build, query_int
from app.archive import read_annotations, read_steps
from app.auth import viewer_required
from app.builds import services

bp = Blueprint("marks", __name__)

DEFAULT_ANNOTATIONS_LIMIT = 1000
MAX_ANNOTATIONS_LIMIT = 5000


@bp.get("/builds/<int:build_id>/annotations")
@viewer_required
def show_annotations(build_id: int) -> Response:
    """A page of the build's annotations in the order of their lines; ``after`` is
    how many the caller already has. A ``limit`` above the maximum means the maximum."""
    build = known_build(build_id)
    after = query_int("after", 0, 0, 2**53)
    limit = query_int("limit", DEFAULT_ANNOTATIONS_LIMIT, 1, MAX_ANNOTATIONS_LIMIT, clamp=True)
    settings = services().settings
    annotations, total = read_annotations(services().redis, settings.ARCHIVE_DIR, build_id,
                                          after, limit)
    return jsonify(build=build_id, annotations=annotations, counts=build["annotations"],
                   total=total)


@bp.get("/builds/<int:build_id>/steps")
@viewer_required
def show_steps(build_id: int) -> Response:
    known_build(build_id)
    steps = read_steps(services().redis, services().settings.ARCHIVE_DIR, build_id)
    return jsonify(build=build_id, steps=steps)
