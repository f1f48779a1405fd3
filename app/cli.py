"""``flask --app app builds ...``: start, tail, list and cancel builds of a running server.

The commands talk to the server like any other client: the JSON API over
HTTP, and Socket.IO to tail a log. BUILDTAIL_URL says where the server is
(default http://127.0.0.1:5000) and BUILDTAIL_TOKEN is sent as a Bearer
token when set (API_TOKENS on the server).
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

import click

from app.client import InOrderClient

FINISHED = {"succeeded", "failed", "cancelled"}
# Colours (SGR) reach the terminal; other escape sequences (titles, cursor
# moves, clipboard writes) from a build's output never do.
NON_SGR = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-ln-~]"  # CSI sequences other than SGR
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks, clipboard
    r"|\x1b[P^_][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC strings
    r"|\x1b[@-Z\\\]-_]"  # two-byte escapes
    r"|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]"  # other control characters
)
SGR = re.compile(r"\x1b\[[0-9;:]*m")


def server_url() -> str:
    return os.environ.get("BUILDTAIL_URL", "http://127.0.0.1:5000").rstrip("/")


def token_headers() -> dict[str, str]:
    token = os.environ.get("BUILDTAIL_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def api(method: str, path: str, body: dict | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **token_headers()}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server_url() + path, data=data, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        try:
            message = json.load(error).get("error", error.reason)
        except ValueError:
            message = error.reason
        raise click.ClickException(f"{error.code}: {message}") from None
    except urllib.error.URLError as error:
        raise click.ClickException(f"cannot reach {server_url()}: {error.reason}") from None


def terminal_text(line: str, colour: bool) -> str:
    line = NON_SGR.sub("", line.rsplit("\r", 1)[-1] if "\r" in line.rstrip("\r") else line)
    return line if colour else SGR.sub("", line)


def tail(build_id: int, out=None) -> str:
    """Print the build's log as it comes, resuming after a dropped connection;
    returns the build's final state."""
    out = out or sys.stdout
    colour = out.isatty()
    have = 0
    final: dict[str, Any] = {}
    done = threading.Event()
    client = InOrderClient(reconnection=True, reconnection_delay=0.5,
                           reconnection_delay_max=5)

    def subscribe() -> None:
        answer = client.call("subscribe", {"build": build_id, "after": have},
                             namespace="/builds", timeout=30)
        if not answer or not answer.get("ok"):
            final["error"] = (answer or {}).get("error", "no answer")
            done.set()

    def on_lines(message: dict) -> None:
        nonlocal have
        if message["build"] != build_id:
            return
        skip = have + 1 - message["first"]
        lines = message["lines"][max(0, skip):]
        if lines:
            out.write("".join(terminal_text(line, colour) + "\n" for line in lines))
            out.flush()
            have += len(lines)

    def on_status(build: dict) -> None:
        if build["id"] == build_id and build["state"] in FINISHED and have >= build["lines"]:
            final.update(build)
            done.set()

    client.on("lines", on_lines, namespace="/builds")
    client.on("status", on_status, namespace="/builds")
    # Every (re)connection subscribes again with what we have: the rest, once.
    client.on("connect", lambda: threading.Thread(target=subscribe, daemon=True).start(),
              namespace="/builds")
    client.connect(server_url(), namespaces=["/builds"], transports=["websocket"],
                   headers=token_headers(), wait_timeout=30)
    done.wait()
    client.disconnect()
    if "error" in final:
        raise click.ClickException(final["error"])
    return final["state"]


@click.group("builds")
def builds() -> None:
    """Start, tail, list and cancel builds on a running buildtail server."""


@builds.command("start")
@click.argument("recipe")
@click.argument("params", nargs=-1)
@click.option("--follow", is_flag=True, help="Tail the log until the build ends.")
def start(recipe: str, params: tuple[str, ...], follow: bool) -> None:
    """Start RECIPE with KEY=VALUE parameters."""
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="PARAMS")
        values[key] = value
    build = api("POST", "/api/builds", {"recipe": recipe, "params": values})
    click.echo(f"#{build['id']} {build['recipe']} {build['state']}  "
               f"{server_url()}/builds/{build['id']}", err=follow)
    if follow:
        sys.exit(0 if tail(build["id"]) == "succeeded" else 1)


@builds.command("tail")
@click.argument("build_id", type=int)
def tail_command(build_id: int) -> None:
    """Print BUILD_ID's log live; exit 0 when it succeeded, 1 otherwise."""
    sys.exit(0 if tail(build_id) == "succeeded" else 1)


@builds.command("list")
@click.option("--limit", default=20, show_default=True)
def list_command(limit: int) -> None:
    """The newest builds."""
    for build in api("GET", f"/api/builds?limit={limit}")["builds"]:
        params = " ".join(f"{k}={v}" for k, v in build["params"].items())
        click.echo(f"#{build['id']:<6} {build['state']:<10} {build['recipe']:<16} {params}")


@builds.command("cancel")
@click.argument("build_id", type=int)
def cancel(build_id: int) -> None:
    """Cancel BUILD_ID."""
    build = api("POST", f"/api/builds/{build_id}/cancel")
    click.echo(f"#{build['id']} {build['state']}")
