"""The pages: the start form with recent builds, the live log page, the raw log."""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

import redis
from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_wtf.csrf import CSRFError
from greenlet import greenlet
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from app import store
from app.api import http_error
from app.archive import read_log
from app.auth import auth_config, current_user, operator_required, public, viewer_required
from app.builds import QueueError, services, start_build
from app.logdiff.baseline import last_success
from app.recipes import RecipeError
from app.serving import client_left
from app.sockets.relay import SubscribeError
from app.web import recipe_page

log = logging.getLogger(__name__)

bp = Blueprint("web", __name__)
bp.register_blueprint(recipe_page.bp)  # /recipes/<name>, in a module of its own

RECENT_BUILDS = 20
RAW_CHUNK_LINES = 10_000
RAW_CHUNK_BYTES = 1 << 20
# A followed raw log (log.txt?follow=1) looks this often for a client that
# left; it ends after FOLLOW_MAX_SECONDS; a process serves FOLLOW_MAX_CLIENTS.
FOLLOW_CHECK_SECONDS = 2.0
# Without news a follower reads anyway this often, in case news was lost
# (messages published while this process was cut off from Redis).
FOLLOW_REREAD_SECONDS = 30.0
FOLLOW_MAX_SECONDS = 12 * 3600
FOLLOW_MAX_CLIENTS = 200


def render_form(
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    selected: str | None = None,
) -> tuple[str, int]:
    """The start form, refilled with ``values`` except secret ones, and the recent builds."""
    recipes = list(services().recipes)
    if selected not in {recipe.name for recipe in recipes}:
        selected = recipes[0].name if recipes else None
    secret = services().recipes.get(selected).secret_params if selected else frozenset()
    builds = store.list_builds(services().redis, RECENT_BUILDS)
    page = render_template(
        "index.html",
        recipes=recipes,
        selected=selected,
        errors=errors or {},
        values={name: value for name, value in (values or {}).items() if name not in secret},
        builds=builds,
        page_size=RECENT_BUILDS,
    )
    return page, status


@bp.get("/")
@viewer_required
def index() -> tuple[str, int]:
    return render_form(selected=request.args.get("recipe"))


@bp.post("/builds")
@operator_required
def create_build() -> Any:
    recipe_name = request.form.get("recipe", "")
    recipe = services().recipes.get(recipe_name)
    declared = recipe.params if recipe else {}
    # A secret's default is not in the page, so its empty field means "the default".
    params = {
        name: request.form.get(name, "")
        for name, param in declared.items()
        if request.form.get(name) or not (param.secret and param.default is not None)
    }
    try:
        build = start_build(recipe_name, params)
    except RecipeError as error:
        log.warning("start form refused: %s", error.message)
        field = error.field if error.field in declared else "recipe"
        return render_form(400, {field: error.message}, params, recipe_name)
    except QueueError as error:
        return render_form(503, {"recipe": str(error)}, params, recipe_name)
    return redirect(url_for("web.show_build", build_id=build["id"]), 303)


@bp.post("/builds/<int:build_id>/rebuild")
@operator_required
def rebuild(build_id: int) -> Any:
    """Start the same recipe with the same parameters, secret ones included."""
    client = services().redis
    build = store.get_build(client, build_id)
    if build is None:
        abort(404, f"There is no build #{build_id}.")
    params = store.run_params(client, build_id)
    try:
        new = start_build(build["recipe"], params)
    except RecipeError as error:
        log.warning("rebuild of %s refused: %s", build_id, error.message)
        errors = {error.field or "recipe": error.message}
        return render_form(400, errors, build["params"], build["recipe"])
    except QueueError as error:
        return render_form(503, {"recipe": str(error)}, build["params"], build["recipe"])
    return redirect(url_for("web.show_build", build_id=new["id"]), 303)


@bp.get("/builds/<int:build_id>")
@viewer_required
def show_build(build_id: int) -> str:
    build = store.get_build(services().redis, build_id)
    if build is None:
        abort(404, f"There is no build #{build_id}.")
    return render_template("build.html", build=build,
                           last_success=last_success(services().redis, build))


@bp.get("/builds/<int:build_id>/diff")
@viewer_required
def diff_page(build_id: int) -> str:
    """The build's log compared with ``against``'s (default: the recipe's last
    earlier success); the page's script fetches the comparison from the API."""
    client = services().redis
    build = store.get_build(client, build_id)
    if build is None:
        abort(404, f"There is no build #{build_id}.")
    raw = request.args.get("against")
    default = last_success(client, build)
    if raw is None and default is None:
        abort(404, f"Build #{build_id} has no earlier succeeded build of {build['recipe']} "
                   "to compare with.")
    if raw is not None and not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 16):
        abort(400, "against must be a build number.")
    against = store.get_build(client, int(raw) if raw is not None else default)
    if against is None:
        abort(404, f"There is no build #{raw}.")
    return render_template("diff.html", build=build, against=against,
                           is_last_success=against["id"] == default)


@bp.get("/builds/<int:build_id>/log.txt")
@viewer_required
def raw_log(build_id: int) -> Response:
    client = services().redis
    build = store.get_build(client, build_id)
    if build is None:
        # Plain text like the log itself: curl and scripts read it as it is.
        return Response(f"There is no build #{build_id}.\n", 404, mimetype="text/plain")
    follow = request.args.get("follow") not in (None, "0")
    headers = {}
    if request.args.get("download") is not None:
        headers["Content-Disposition"] = f'attachment; filename="build-{build_id}.log"'
    if follow:
        if services().relay.follower_count >= FOLLOW_MAX_CLIENTS:
            abort(503, "Too many clients are following raw logs right now; try again later.")
        headers["X-Accel-Buffering"] = "no"  # nginx: pass each line on as it comes
        body = _followed_log(build_id, request.environ)
    else:
        body = _log_so_far(build_id)
    return Response(stream_with_context(body), mimetype="text/plain", headers=headers)


def _log_so_far(build_id: int, after: int = 0):
    """The log's text from line ``after``+1 to its current end, a chunk at a time."""
    client, archive_dir = services().redis, services().settings.ARCHIVE_DIR
    while True:
        lines, _ = read_log(client, archive_dir, build_id, after, RAW_CHUNK_LINES,
                            RAW_CHUNK_BYTES)
        if not lines:
            return
        yield "\n".join(lines) + "\n"
        after += len(lines)


def _followed_log(build_id: int, environ: dict):
    """The log, then each new line as the build prints it, until the build ends."""
    try:
        with services().relay.following(build_id, FOLLOW_MAX_CLIENTS) as channel:
            yield from _follow(channel, build_id, environ)
    except SubscribeError as error:
        yield f"[buildtail] cannot follow this log: {error}\n"


def _follow(channel, build_id: int, environ: dict):
    """Wait on the relay's news of the build (a message on its channel), not on a
    timer: an idle follower costs Redis almost nothing. Every FOLLOW_CHECK_SECONDS
    it looks for a client that left; it stops after FOLLOW_MAX_SECONDS."""
    client = services().redis
    deadline = time.monotonic() + FOLLOW_MAX_SECONDS
    after, heard, read_at = 0, True, 0.0
    while time.monotonic() < deadline and not client_left(environ):
        news = channel.news  # taken before reading: nothing printed after is missed
        if heard or time.monotonic() - read_at > FOLLOW_REREAD_SECONDS:
            read_at = time.monotonic()
            for text in _log_so_far(build_id, after):
                after += text.count("\n")
                yield text
            current = store.get_build(client, build_id)
            # A finished build's log is whole once read up to the count it recorded.
            if current is None or (
                current["state"] in store.FINISHED_STATES and after >= current["lines"]
            ):
                return
        heard = news.wait(FOLLOW_CHECK_SECONDS)


BADGE_COLOURS = {
    "succeeded": "#1a7f37", "failed": "#cf222e", "cancelled": "#6e7781",
    "running": "#1f6feb", "queued": "#9a6700",
}
BADGE_CHAR_PX = 7


@bp.get("/badge/<recipe>.svg")
@viewer_required
def badge(recipe: str) -> Response:
    """The state of the recipe's newest build, as a badge for a README or a wiki.
    An unknown recipe gets a grey "unknown" badge (200), never a broken image."""
    recipe = recipe[:64]
    state = "unknown"
    if services().recipes.get(recipe) is not None:
        build = store.latest_build(services().redis, recipe)
        state = build["state"] if build else "no builds"
    left, right = 12 + BADGE_CHAR_PX * len(recipe), 12 + BADGE_CHAR_PX * len(state)
    svg = render_template(
        "badge.svg", label=recipe, state=state, left=left, right=right,
        colour=BADGE_COLOURS.get(state, "#6e7781"),
    )
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-cache"})


@bp.get("/healthz")
@public
def healthz() -> tuple[dict[str, Any], int]:
    ok = store.ping(services().redis)
    answer: dict[str, Any] = {"redis": "ok" if ok else "unreachable"}
    if request.args.get("detail") is not None:
        # Walks the heap: for operators and the soak test, not for load
        # balancers, and not for strangers when authentication is on.
        if auth_config().enabled and current_user() is None:
            abort(401, "Sign in (or send an API token) to see the details.")
        answer.update(services().relay.census())
        objects = gc.get_objects()
        answer["greenlets"] = sum(1 for o in objects if isinstance(o, greenlet))
        answer["python_objects"] = len(objects)
    return answer, 200 if ok else 503


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> Any:
    log.warning("refused %s %s: %s", request.method, request.path, error.description)
    if request.path == url_for("web.create_build"):
        message = "The form expired or did not come from this site; please submit it again."
        return render_form(400, {"recipe": message}, selected=request.form.get("recipe"))
    return render_error(error)


@bp.app_errorhandler(HTTPException)
def render_error(error: HTTPException) -> Any:
    if request.path.startswith("/api/"):
        return http_error(error)
    if error.code and error.code >= 500:
        log.error("%s %s: %s", request.method, request.path, error)
    page = render_template("error.html", code=error.code, message=error.description)
    return page, error.code or 500


@bp.app_errorhandler(redis.RedisError)
def redis_unreachable(error: redis.RedisError) -> Any:
    """Redis away is an outage, not a bug: 503, and the page or JSON says so."""
    log.error("%s %s: Redis: %s", request.method, request.path, error)
    return render_error(ServiceUnavailable("Redis cannot be reached right now; try again soon."))
