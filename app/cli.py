"""``buildtail builds ...`` (also ``flask --app app builds ...``): start, tail, list and cancel
builds of a running server.

The commands talk to the server like any other client: the JSON API over
HTTP, and Socket.IO to tail a log. They need no Flask app and no Redis.
BUILDTAIL_URL says where the server is (default http://127.0.0.1:5000) and
BUILDTAIL_TOKEN is sent as a Bearer token when set (API_TOKENS on the server).
Errors are one line on stderr, and the exit code says how it went (EXIT_CODES).
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import threading
import urllib.error
import urllib.request
from typing import IO, Any, NoReturn

import click
import socketio

from app.client import InOrderClient, Liveness, LogChecksum
from app.outcome_words import outcome_words
from app.store import FINISHED_STATES

EXIT_SUCCEEDED, EXIT_FAILED, EXIT_ERROR, EXIT_DIFFERS = 0, 1, 2, 3
EXIT_CODES = """\b
Exit codes:
  0  the build succeeded
  1  the build failed or was cancelled
  2  bad arguments, an error from the server (an unknown recipe or
     build, ...), or the server cannot be reached
  3  the log received differs from the one the server stored"""

NAMESPACE = "/builds"
# Opening the connection: past this the server counts as unreachable.
CONNECT_TIMEOUT = 10.0
RETRY_FIRST, RETRY_MAX = 0.5, 5.0
# The server answers a subscribe within its own 10 s wait for Redis; past this
# the request is taken as lost and sent again.
SUBSCRIBE_TIMEOUT = 15.0
REDIS_UNAVAILABLE = "cannot reach Redis"  # in the subscribe ack's error

# Colours (SGR: ESC [ digits ; : m) reach the terminal; other escape sequences
# (titles, cursor moves, clipboard writes, private modes like ESC[>4;2m) and
# the C1 controls that a terminal may read as escapes (U+009B is CSI, U+009D
# OSC) never do, piped or not.
ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI sequences, SGR among them
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks, clipboard
    r"|\x1b[P^_][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC strings
    r"|\x1b[@-Z\\\]-_]"  # two-byte escapes
    r"|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]"  # other C0 and all C1 controls
)
SGR = re.compile(r"\x1b\[[0-9;:]*m")


class Failure(click.ClickException):
    """One line on stderr and exit code 2: refused by the server, or no connection."""

    exit_code = EXIT_ERROR

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"buildtail: {self.format_message()}", err=True)


def say(message: str) -> None:
    """One line about the tail itself, on stderr, apart from the log on stdout."""
    click.echo(f"buildtail: {message}", err=True)


def server_url() -> str:
    return os.environ.get("BUILDTAIL_URL", "http://127.0.0.1:5000").rstrip("/")


def token_headers() -> dict[str, str]:
    token = os.environ.get("BUILDTAIL_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def api(method: str, path: str, body: dict | None = None) -> dict[str, Any]:
    """The server's JSON answer; any error becomes a one-line Failure."""
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
        except (ValueError, AttributeError):
            message = error.reason
        raise Failure(f"{error.code}: {message}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        problem = connection_problem(reason) if isinstance(reason, OSError) else reason
        raise Failure(f"cannot reach {server_url()}: {problem}") from None
    except (OSError, ValueError) as error:  # a timeout, a reset, an answer that is not JSON
        raise Failure(f"no usable answer from {server_url()}: {error}") from None


def connection_problem(error: BaseException) -> str:
    """The root cause of a failed Socket.IO connect, which the library words as 'Connection
    error' and keeps only as the exception's context."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OSError):
            return cause.strerror or str(cause) or type(cause).__name__
        cause = cause.__cause__ or cause.__context__
    return str(error) or type(error).__name__


def terminal_text(line: str, colour: bool) -> str:
    """What of a log line may reach a terminal: its last carriage-return state, and
    its colours only when ``colour``."""
    line = line.rsplit("\r", 1)[-1] if "\r" in line.rstrip("\r") else line
    keep = (lambda found: found[0] if SGR.fullmatch(found[0]) else "") if colour else ""
    return ESCAPES.sub(keep, line)


class Tail:
    """Follows one build's log over Socket.IO until its final status.

    Every (re)connection subscribes again with the number of lines already
    printed, so the server sends exactly the rest. A subscription refused
    because the server cannot reach Redis is retried with backoff, and one
    left unanswered is sent again; any other refusal ends the tail. Problems
    with the connection, the server, Redis or the worker are told on stderr
    once each time the situation changes (``Liveness``).
    """

    def __init__(self, build_id: int, out: IO[str]) -> None:
        self.build_id = build_id
        self.out = out
        self.colour = out.isatty()
        self.have = 0
        self.checksum = LogChecksum()
        self.liveness = Liveness()
        self.final: dict[str, Any] = {}
        self.error: str | None = None
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.connection = 0  # counts connections; a subscribe retry belongs to one
        self.retry_delay = RETRY_FIRST
        self.attempt = 0  # counts subscribe requests
        self.unanswered: set[int] = set()  # those of this connection still awaiting an ack
        # handle_sigint=False: Ctrl-C ends the tail, not just the connection.
        self.client = InOrderClient(reconnection=True, reconnection_delay=0.5,
                                    reconnection_delay_max=RETRY_MAX,
                                    request_timeout=CONNECT_TIMEOUT, handle_sigint=False)
        for event, handler in [("connect", self.on_connect), ("disconnect", self.on_disconnect),
                               ("lines", self.on_lines), ("status", self.on_status),
                               ("health", self.on_health)]:
            self.client.on(event, handler, namespace=NAMESPACE)

    def run(self) -> dict[str, Any]:
        """The finished build's JSON, once every line has been printed."""
        try:
            self.client.connect(server_url(), namespaces=[NAMESPACE], transports=["websocket"],
                                headers=token_headers(), wait_timeout=CONNECT_TIMEOUT)
        except socketio.exceptions.ConnectionError as error:
            raise Failure(f"cannot open a Socket.IO connection to {server_url()}: "
                          f"{connection_problem(error)}") from None
        try:
            self.done.wait()
        finally:
            self.done.set()  # from here on a disconnect is ours, not news
            self.client.shutdown()
        if self.error is not None:
            raise Failure(self.error)
        return self.final

    def notice(self, line: str | None) -> None:
        if line is not None and not self.done.is_set():
            say(line)

    # Handlers run on the thread that reads the socket, in the order messages came.

    def on_connect(self) -> None:
        with self.lock:
            self.connection += 1
            self.retry_delay = RETRY_FIRST
            self.unanswered.clear()
        self.subscribe(self.connection)

    def on_disconnect(self, reason: Any = None) -> None:
        with self.lock:
            self.connection += 1
            self.unanswered.clear()
            self.notice(self.liveness.disconnected())

    def on_lines(self, message: dict[str, Any]) -> None:
        if message.get("build") != self.build_id:
            return
        skip = self.have + 1 - message["first"]
        lines = message["lines"][max(0, skip):]
        if lines:
            self.checksum.add(lines)
            self.out.write("".join(terminal_text(line, self.colour) + "\n" for line in lines))
            self.out.flush()
            self.have += len(lines)

    def on_status(self, build: dict[str, Any]) -> None:
        if (build.get("id") == self.build_id and build.get("state") in FINISHED_STATES
                and self.have >= build.get("lines", 0)):
            self.final = build
            self.done.set()

    def on_health(self, message: dict[str, Any]) -> None:
        if isinstance(message, dict) and message.get("build") == self.build_id:
            with self.lock:
                self.notice(self.liveness.health(message))

    def subscribe(self, connection: int) -> None:
        """Ask for the lines after those printed. The ack is read in order with the
        events, so it is handled before the lines it announces."""
        with self.lock:
            if self.done.is_set() or connection != self.connection:
                return
            self.attempt += 1
            attempt = self.attempt
            self.unanswered.add(attempt)
        try:
            self.client.emit("subscribe", {"build": self.build_id, "after": self.have},
                             namespace=NAMESPACE,
                             callback=functools.partial(self.on_subscribed, connection, attempt))
        except socketio.exceptions.SocketIOError:
            return  # not connected: the next connection subscribes
        self.later(SUBSCRIBE_TIMEOUT, self.on_no_answer, connection, attempt)

    def on_subscribed(self, connection: int, attempt: int, answer: Any = None) -> None:
        with self.lock:
            if connection != self.connection:
                return
            self.unanswered.discard(attempt)
            if isinstance(answer, dict) and answer.get("ok"):
                self.notice(self.liveness.subscribed())
                return
            error = answer.get("error") if isinstance(answer, dict) else None
            if error and REDIS_UNAVAILABLE in str(error):
                self.notice(self.liveness.redis_unavailable())
            elif not self.unanswered:
                self.error = str(error or f"the server refused to send build {self.build_id}")
                self.done.set()
                return
            # else an earlier subscribe of ours, still under way, may be what it refuses
            self.later(self.retry_delay, self.subscribe, connection)
            self.retry_delay = min(self.retry_delay * 2, RETRY_MAX)

    def on_no_answer(self, connection: int, attempt: int) -> None:
        with self.lock:
            if self.done.is_set() or connection != self.connection:
                return
            if attempt not in self.unanswered:
                return
            self.notice(self.liveness.no_answer())
        self.subscribe(connection)

    @staticmethod
    def later(delay: float, function, *args: Any) -> None:
        timer = threading.Timer(delay, function, args=args)
        timer.daemon = True
        timer.start()


def follow(build_id: int) -> NoReturn:
    """Tail the build to its end, say how it ended (in the page's words), and exit with
    the matching code."""
    try:
        tail = Tail(build_id, sys.stdout)
        build = tail.run()
    except KeyboardInterrupt:
        sys.exit(130)
    differs = tail.checksum.differs_from(build)
    if differs:
        say(f"the log received differs from the one stored (crc32 {tail.checksum.value} vs "
            f"{build['log_crc32']}); fetch it again: {server_url()}/builds/{build_id}/log.txt")
        sys.exit(EXIT_DIFFERS)
    state = build["state"]
    ending = outcome_words(build) or state
    say(f"#{build_id} {ending} · {tail.have} lines" + (" · verified" if differs is False else ""))
    sys.exit(EXIT_SUCCEEDED if state == "succeeded" else EXIT_FAILED)


@click.group("builds", epilog=EXIT_CODES)
def builds() -> None:
    """Start, tail, list and cancel builds on a running buildtail server.

    BUILDTAIL_URL says where the server is (default http://127.0.0.1:5000);
    BUILDTAIL_TOKEN is sent as a Bearer token when set.
    """


@builds.command("start", epilog=EXIT_CODES)
@click.argument("recipe")
@click.argument("params", nargs=-1)
@click.option("--follow", "follow_log", is_flag=True,
              help="Tail the log until the build ends; the exit code says how it ended.")
def start(recipe: str, params: tuple[str, ...], follow_log: bool) -> None:
    """Start RECIPE with KEY=VALUE parameters."""
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="PARAMS")
        values[key] = value
    build = api("POST", "/api/builds", {"recipe": recipe, "params": values})
    click.echo(f"#{build['id']} {build['recipe']} {build['state']}  "
               f"{server_url()}/builds/{build['id']}", err=follow_log)
    if follow_log:
        follow(build["id"])


@builds.command("tail", epilog=EXIT_CODES)
@click.argument("build_id", type=int)
def tail_command(build_id: int) -> None:
    """Print BUILD_ID's log live, to its end.

    A dropped connection is resumed where it stopped; once the build has
    finished, the log received is checked against the server's checksum.
    """
    follow(build_id)


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


@click.group("buildtail", epilog=EXIT_CODES)
def main() -> None:
    """The buildtail command line: a client of a running server (BUILDTAIL_URL)."""


main.add_command(builds)
