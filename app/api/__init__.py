"""The JSON API (SPEC section 5): errors are ``{"error": ...}`` with a 4xx status."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from app import store
from app.api import diff, marks, recipes
from app.api import search as log_search
from app.api.common import (
    MAX_DIGITS,
    BadRequest,
    error_response,
    json_body,
    known_build,
    query_int,
)
from app.auth import operator_required, viewer_required
from app.auth.identity import current_user
from app.builds import AlreadyFinished, QueueError, cancel_build, services, start_build
from app.history import search
from app.log_ranges import read_range, read_tail
from app.recipes import RECIPE_NAME, RecipeError

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api")
# Routes of their own modules, under /api and with the refusals below.
bp.register_blueprint(marks.bp)
bp.register_blueprint(diff.bp)
bp.register_blueprint(recipes.bp)
bp.register_blueprint(log_search.bp)

DEFAULT_LIST_LIMIT = 20
MAX_LIST_LIMIT = 200
DEFAULT_LOG_LIMIT = 1000
MAX_QUERY_CHARS = 200
STATES = (store.QUEUED, store.RUNNING_STATE, *sorted(store.FINISHED_STATES))


@bp.errorhandler(BadRequest)
def bad_request(error: BadRequest) -> tuple[Response, int]:
    log.warning("API %s %s refused: %s", request.method, request.path, error.message)
    return error_response(error.message, error.status)


@bp.errorhandler(RecipeError)
def bad_recipe(error: RecipeError) -> tuple[Response, int]:
    log.warning("API %s %s refused: %s", request.method, request.path, error.message)
    return error_response(error.message, 400)


def http_error(error: HTTPException) -> tuple[Response, int]:
    """JSON for every HTTP error under /api/, routing errors included."""
    messages = {
        404: "no such resource",
        405: f"{request.method} is not allowed here",
        413: "the request body is too large",
    }
    message = messages.get(error.code, error.description or error.name)
    log.warning("API %s %s: %s %s", request.method, request.path, error.code, message)
    return error_response(message, error.code or 400)


@bp.get("/recipes")
@viewer_required
def list_recipes() -> Response:
    return jsonify(recipes=[recipe.to_json() for recipe in services().recipes])


@bp.post("/builds")
@operator_required
def create_build() -> tuple[Response, int, dict[str, str]]:
    body = json_body()
    try:
        build = start_build(body.get("recipe"), body.get("params"))
    except QueueError as error:
        raise BadRequest(str(error), 503) from error
    return jsonify(build), 202, {"Location": f"/api/builds/{build['id']}"}


@bp.get("/builds")
@viewer_required
def list_builds() -> Response:
    """Newest first, filtered by ``recipe``, ``state`` and ``q`` (text in a parameter's
    name or value), which combine; ``next_before`` is the ``before`` of the next page."""
    limit = query_int("limit", DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT)
    before = request.args.get("before")
    if before is not None and not (
        before.isascii() and before.isdigit() and len(before) <= MAX_DIGITS
    ):
        raise BadRequest("before must be a build id")
    recipe, state, text = build_filters()
    builds, next_before = search(services().redis, limit, int(before) if before else None,
                                 recipe, state, text)
    return jsonify(builds=builds, next_before=next_before)


def build_filters() -> tuple[str | None, str | None, str | None]:
    """The list's ``recipe``, ``state`` and ``q``; an empty one means no filter."""
    recipe = request.args.get("recipe") or None
    if recipe is not None and not RECIPE_NAME.fullmatch(recipe):
        raise BadRequest("recipe must be a recipe's name: letters, digits, '-', '_' and '.'"
                         " (at most 64)")
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        raise BadRequest(f"state must be one of {', '.join(STATES)}, not {state[:32]!r}")
    text = request.args.get("q") or None
    if text is not None and len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"q is longer than {MAX_QUERY_CHARS} characters")
    return recipe, state, text


@bp.get("/builds/<int:build_id>")
@viewer_required
def show_build(build_id: int) -> Response:
    return jsonify(known_build(build_id))


@bp.get("/builds/<int:build_id>/log")
@viewer_required
def show_log(build_id: int) -> Response:
    """Lines ``after``+1.., or the last ``tail`` lines; ``style`` is the terminal
    style in effect at the start of line ``first``."""
    build = known_build(build_id)
    settings = services().settings
    chunk, total = settings.REPLAY_CHUNK_LINES, build["lines"]
    source = (services().redis, settings.ARCHIVE_DIR, build_id)
    if "tail" in request.args:
        if "after" in request.args:
            raise BadRequest("tail and after cannot be used together: tail asks for the last "
                             "lines, after for the lines after one")
        count = query_int("tail", min(DEFAULT_LOG_LIMIT, chunk), 1, chunk, clamp=True)
        part = read_tail(*source, count, settings.REPLAY_CHUNK_BYTES, total)
    else:
        after = query_int("after", 0, 0, 2**53)
        limit = query_int("limit", min(DEFAULT_LOG_LIMIT, chunk), 1, chunk, clamp=True)
        part = read_range(*source, after, limit, settings.REPLAY_CHUNK_BYTES, total)
    end = part.first - 1 + len(part.lines)
    total = max(total, end)
    done = build["state"] in store.FINISHED_STATES and end >= total
    return jsonify(build=build_id, first=part.first, lines=part.lines, times=part.times,
                   total=total, done=done, style=part.style)


@bp.post("/builds/<int:build_id>/cancel")
@operator_required
def cancel(build_id: int) -> tuple[Response, int]:
    try:
        build = cancel_build(build_id, current_user())
    except AlreadyFinished as finished:
        message = f"build {build_id} has already finished ({finished.build['state']})"
        raise BadRequest(message, 409) from None
    if build is None:
        raise BadRequest(f"build {build_id} does not exist", 404)
    return jsonify(build), 202
