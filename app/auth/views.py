"""Signing in and out with a name and password from AUTH_USERS."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session

from app.auth.identity import auth_config, client_address
from app.auth.passwords import check_password, password_check, retry_after, sign_in_keys
from app.auth.policy import public

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    target = safe_next(request.values.get("next"))
    if not auth_config().users:
        return redirect(target, 303)
    if request.method == "GET":
        return render_template("login.html", next=target, error=None, name="")
    name = request.form.get("name", "")
    keys = sign_in_keys(name)
    wait = password_check().limit.take(keys)
    if wait is not None:
        seconds = retry_after(wait)
        log.warning("refused a sign-in for %r from %s: too many failures", name[:100],
                    client_address())
        page = render_template(
            "login.html", next=target, name=name,
            error=f"Too many failed sign-ins from here or for this name; "
                  f"try again in {seconds} seconds.",
        )
        return page, 429, {"Retry-After": str(seconds)}
    if not check_password(name, request.form.get("password", "")):
        log.warning("failed sign-in for %r from %s", name[:100], client_address())
        page = render_template("login.html", next=target, name=name,
                               error="That name and password do not match.")
        return page, 401
    password_check().limit.give_back(keys)
    session.clear()
    session["user"] = name
    log.info("%s signed in", name)
    return redirect(target, 303)


@bp.post("/logout")
@public
def logout() -> Any:
    session.clear()
    return redirect("/", 303)
