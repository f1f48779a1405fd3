"""Whole-log search: which lines of a build's log show a text, streamed as
NDJSON while a child process reads the log (``app.logsearch``)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from app.api.common import BadRequest, known_build
from app.auth import viewer_required
from app.builds import services
from app.logsearch.matcher import QueryError, check_query
from app.logsearch.runner import Searches, Unavailable

bp = Blueprint("search", __name__)

FLAGS = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False, "": False}


def searches() -> Searches:
    """The app's one ``Searches``, made at its first use."""
    extensions = current_app.extensions
    if "logsearch" not in extensions:
        extensions.setdefault("logsearch", Searches(services().settings))
    return extensions["logsearch"]


def query_flag(name: str) -> bool:
    value = request.args.get(name, "")
    if value.lower() not in FLAGS:
        raise BadRequest(f"{name} must be 1 or 0")
    return FLAGS[value.lower()]


@bp.get("/builds/<int:build_id>/search")
@viewer_required
def search(build_id: int) -> Response:
    """``q`` (plain text unless ``regex=1``, any case unless ``case=1``) in the
    displayed text of every line stored when the search begins."""
    known_build(build_id)
    query, regex, case = request.args.get("q", ""), query_flag("regex"), query_flag("case")
    try:
        check_query(query, regex, case)
    except QueryError as error:
        raise BadRequest(str(error)) from None
    try:
        stream = searches().start(build_id, query, regex, case, request.environ)
    except Unavailable as error:
        raise BadRequest(str(error), 503) from None
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Response(stream, mimetype="application/x-ndjson", headers=headers)
