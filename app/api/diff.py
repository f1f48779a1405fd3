"""A build's log compared with another's."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from app import store
from app.api.common import BadRequest, known_build, query_int
from app.auth import viewer_required
from app.builds import services
from app.logdiff import hunks
from app.logdiff.baseline import last_success
from app.logdiff.runner import Comparisons, Unavailable

bp = Blueprint("diff", __name__)

MAX_CONTEXT = 20
MAX_ID = 10**16 - 1


def comparisons() -> Comparisons:
    """The app's one ``Comparisons``, made at its first use."""
    extensions = current_app.extensions
    if "logdiff" not in extensions:
        extensions.setdefault("logdiff", Comparisons(services().settings))
    return extensions["logdiff"]


def cache_key(build_id: int, against: int, context: int) -> tuple | None:
    """Both builds' uids (an id may come again after Redis lost its data; a uid never
    does), for two finished builds only: a running build's log still grows."""
    client = services().redis
    facts = [store.archive_facts(client, number) for number in (build_id, against)]
    if any(f["state"] not in store.FINISHED_STATES or not f["uid"] for f in facts):
        return None
    return facts[0]["uid"], facts[1]["uid"], context


@bp.get("/builds/<int:build_id>/diff")
@viewer_required
def compare(build_id: int) -> Response:
    """``against`` (default: the recipe's last earlier success) is the old log, a;
    this build's is b."""
    build = known_build(build_id)
    context = query_int("context", hunks.DEFAULT_CONTEXT, 0, MAX_CONTEXT)
    if request.args.get("against") is None:
        against = last_success(services().redis, build)
        if against is None:
            raise BadRequest(f"build {build_id} has no earlier succeeded build of recipe "
                             f"{build['recipe']} to compare with", 404)
    else:
        against = query_int("against", 0, 1, MAX_ID)
        known_build(against)
    try:
        body = comparisons().answer(build_id, against, context,
                                    cache_key(build_id, against, context))
    except Unavailable as error:
        raise BadRequest(str(error), 503) from None
    return Response(body, mimetype="application/json")
