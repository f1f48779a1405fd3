"""Running one build: a recipe's command in, numbered log lines and a final state out.

``execute_build`` is a plain function of a Redis client and a build id; the
Celery task only calls it, and tests call it directly.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis

from app import store
from app.output import LineSplitter, LogBudget, SecretMasker
from app.recipes import Recipe, Recipes
from app.redis_connection import replicas_to_wait_for
from app.runner import BatchLimits, OutputReader, signal_group, start_command, stop_group
from app.settings import retention_seconds

log = logging.getLogger(__name__)

REDIS_RETRY_SECONDS = 60
LEASE_RETRY_SECONDS = 0.5
CHECK_INTERVAL = 0.25  # seconds between looks at cancel, timeout and lease
# With replicas (Sentinel), each append waits this long at most for one to
# hold it; what none holds yet is kept, to be written again after a failover.
REPLICA_WAIT_MS = 20
MAX_UNREPLICATED_BYTES = 64 * 1024 * 1024

# Variables a command inherits from the worker; everything else it gets from
# its recipe's parameters, so a worker's secrets never reach a build.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME", "TMPDIR")


@dataclass
class Outcome:
    state: str
    reason: str | None = None
    exit_code: int | None = None


def retrying(action, what: str, build_id: int):
    """Run a Redis action, retrying for REDIS_RETRY_SECONDS while Redis is unreachable.

    Only idempotent actions go through here: appends are checked by line
    number and transitions by the state they start from.
    """
    delay, deadline = 0.1, time.monotonic() + REDIS_RETRY_SECONDS
    while True:
        try:
            return action()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            if time.monotonic() > deadline:
                raise
            log.warning("build %s: %s failed (%s); retrying", build_id, what, error,
                        extra={"build_id": build_id})
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


class LogWriter:
    """Numbers lines as they are written and keeps the log within its byte budget.

    It also keeps the CRC-32 of the log as ``log.txt`` serves it, and every
    append records it in the build with the line count it covers, so whoever
    reads the log can check they got exactly what was written.

    With ``replicas``, it also keeps every batch no replica has confirmed, so
    that when a failover promotes a replica that lacks the newest lines, they
    are written again and the log has no gap.
    """

    def __init__(
        self, client: redis.Redis, build_id: int, max_log_bytes: int,
        masker: SecretMasker | None = None, replicas: int = 0,
    ) -> None:
        self.client = client
        self.build_id = build_id
        self.budget = LogBudget(max_log_bytes)
        self.masker = masker or SecretMasker([])
        self.replicas = replicas
        self.written = 0
        self.crc = 0
        self.unreplicated: list[tuple[int, list[str], list[int]]] = []
        self.unreplicated_bytes = 0

    def write(self, lines: list[str], times: list[int]) -> None:
        self._append(*self.budget.admit(self.masker.mask(lines), times))

    def finish(self) -> None:
        """Write what the budget held back (the tail of a log that hit its limit)."""
        self._append(*self.budget.finish(store.now_ms()))

    def _append(self, lines: list[str], times: list[int]) -> None:
        if not lines:
            return
        first = self.written + 1
        crc = store.log_crc32(lines, self.crc)
        try:
            replicated = self._store(first, lines, times, crc)
        except store.LogBehind as behind:
            log.warning("build %s: Redis lost lines %s-%s in a failover; writing them again",
                        self.build_id, behind.length + 1, self.written,
                        extra={"build_id": self.build_id})
            self._restore(behind.length)
            replicated = self._store(first, lines, times, crc)
        self.crc = crc
        self._keep_until_replicated(first, lines, times, replicated)

    def _store(
        self, first: int, lines: list[str], times: list[int], crc: int | None = None
    ) -> bool:
        """Append; ``crc`` (the whole log's, these lines included) is None while
        lines lost in a failover are written again."""
        self.written, replicated = retrying(
            lambda: store.append_lines(self.client, self.build_id, first, lines, times,
                                       self.replicas, REPLICA_WAIT_MS, crc),
            "writing its log",
            self.build_id,
        )
        return replicated

    def _keep_until_replicated(
        self, first: int, lines: list[str], times: list[int], replicated: bool
    ) -> None:
        if not self.replicas:
            return
        if replicated:  # a replica holds this append, so every earlier one too
            self.unreplicated, self.unreplicated_bytes = [], 0
            return
        self.unreplicated.append((first, lines, times))
        self.unreplicated_bytes += sum(map(len, lines))
        while self.unreplicated_bytes > MAX_UNREPLICATED_BYTES and len(self.unreplicated) > 1:
            _, dropped, _ = self.unreplicated.pop(0)
            self.unreplicated_bytes -= sum(map(len, dropped))

    def _restore(self, length: int) -> None:
        """Write lines ``length + 1``.. again from the batches no replica confirmed."""
        for first, lines, times in list(self.unreplicated):
            skip = length + 1 - first
            if skip >= len(lines):
                continue
            if skip < 0:
                raise store.LogBehind(self.build_id, length)  # older than what is kept
            self._store(length + 1, lines[skip:], times[skip:])
            length = self.written


class LeaseKeeper:
    """Renews a running build's lease on its own thread, so neither a long write
    nor a Redis outage lets it lapse while this worker is alive."""

    def __init__(self, client: redis.Redis, build_id: int, seconds: int) -> None:
        self.client = client
        self.build_id = build_id
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._renew, name=f"lease-of-{build_id}", daemon=True
        )
        self._thread.start()

    def _renew(self) -> None:
        # Renewing six times a lease lets a web process tell a silent worker
        # (no renewal for a few seconds) long before the lease lapses.
        pause = self.seconds / 6
        while not self._stop.wait(pause):
            try:
                store.renew_lease(self.client, self.build_id, self.seconds)
                pause = self.seconds / 6
            except redis.RedisError as error:
                log.warning("build %s: lease renewal failed (%s)", self.build_id, error,
                            extra={"build_id": self.build_id})
                pause = LEASE_RETRY_SECONDS  # renew the moment Redis is back

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def cancel_requested(client: redis.Redis, build_id: int) -> bool:
    """Whether someone asked to cancel; while Redis is away, nobody could have."""
    try:
        return store.cancel_requested(client, build_id)
    except redis.RedisError:
        return False


def command_env(
    build_id: int, params: dict[str, str], secret_env: tuple[str, ...] = ()
) -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED_ENV + secret_env if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env["PYTHONUNBUFFERED"] = "1"
    env["BUILDTAIL_BUILD_ID"] = str(build_id)
    env.update(params)
    return env


def describe_exit(code: int) -> Outcome:
    if code == 0:
        return Outcome(store.SUCCEEDED, None, 0)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return Outcome(store.FAILED, f"killed by {name}", code)
    return Outcome(store.FAILED, f"exit code {code}", code)


def run_recipe(
    client: redis.Redis,
    build_id: int,
    recipe: Recipe,
    params: dict[str, str],
    workspace: str,
    settings: dict[str, Any],
) -> Outcome:
    """Run the command, stream its lines into the log, and say how it ended."""
    env = command_env(build_id, params, recipe.secret_env)
    secrets = [params[name] for name in recipe.secret_params if name in params]
    secrets += [env[name] for name in recipe.secret_env if name in env]
    writer = LogWriter(client, build_id, int(settings["MAX_LOG_BYTES"]), SecretMasker(secrets),
                       replicas_to_wait_for(settings))
    limits = BatchLimits(
        interval=int(settings["FLUSH_INTERVAL_MS"]) / 1000,
        max_lines=int(settings["FLUSH_MAX_LINES"]),
        max_bytes=int(settings["FLUSH_MAX_BYTES"]),
    )
    grace = float(settings["CANCEL_GRACE_SECONDS"])
    try:
        process = start_command(recipe.command, workspace, env)
    except OSError as error:
        writer.write(
            [f"[buildtail] could not start {recipe.command[0]}: {error}"], [store.now_ms()]
        )
        return Outcome(store.FAILED, "could not start the command")
    reader = OutputReader(process, LineSplitter(int(settings["MAX_LINE_BYTES"])), limits)
    lease = LeaseKeeper(client, build_id, int(settings["LEASE_SECONDS"]))
    deadline = time.monotonic() + recipe.timeout
    next_check = 0.0
    last_write = 0.0
    exited_at = None
    stopped: Outcome | None = None
    try:
        while True:
            batch = reader.take(last_write + limits.interval, time.monotonic() + CHECK_INTERVAL)
            if batch.lines:
                writer.write(batch.lines, batch.times)
                last_write = time.monotonic()
            if batch.ended:
                break
            now = time.monotonic()
            if not batch.lines and process.poll() is not None:
                # The leader is gone; anything it left in its group would keep
                # the pipe open, and one that left the group is given `drain`.
                signal_group(process, signal.SIGKILL)
                exited_at = exited_at or now
                if now - exited_at > limits.drain:
                    log.warning("build %s: the output never ended after its command exited",
                                build_id)
                    break
            if stopped or now < next_check:
                continue
            next_check = now + CHECK_INTERVAL
            if cancel_requested(client, build_id):
                stopped = Outcome(store.CANCELLED)
            elif now >= deadline:
                stopped = Outcome(store.FAILED, "timed out")
            if stopped:
                stop_group(process, grace)
        writer.finish()
    except store.NotRunning:
        log.warning("build %s was finished elsewhere; stopping its command", build_id)
        stop_group(process, grace)
        raise
    finally:
        reader.stop()
        lease.stop()
        if process.poll() is None:
            stop_group(process, grace)
    if stopped:
        stopped.exit_code = process.returncode
        return stopped
    return describe_exit(process.returncode)


def execute_build(
    client: redis.Redis, build_id: int, recipes: Recipes, settings: dict[str, Any]
) -> dict[str, Any] | None:
    """Run a queued build to a final state; a build that is not queued is left alone.

    A redelivered task therefore never runs a build twice, and a cancelled
    queued build never starts.
    """
    retention = retention_seconds(settings)
    build = store.get_build(client, build_id)
    if build is None:
        log.warning("build %s does not exist; nothing to run", build_id)
        return None
    recipe = recipes.get(build["recipe"])
    if recipe is None:
        return store.transition(
            client,
            build_id,
            [store.QUEUED],
            {"state": store.FAILED, "reason": "unknown recipe", "finished_at": store.now_iso()},
            retention_seconds=retention,
        )
    started = store.transition(
        client,
        build_id,
        [store.QUEUED],
        {"state": store.RUNNING_STATE, "started_at": store.now_iso()},
        lease_seconds=int(settings["LEASE_SECONDS"]),
    )
    if started is None:
        log.info("build %s is no longer queued; not running it", build_id)
        return None
    log.info("build %s started: %s", build_id, recipe.name, extra={"build_id": build_id})
    outcome = Outcome(store.FAILED, "internal error")
    root = os.path.abspath(str(settings["WORKSPACE_ROOT"]))
    os.makedirs(root, exist_ok=True)
    workspace = tempfile.mkdtemp(prefix=f"{build_id}-", dir=root)
    try:
        params = store.run_params(client, build_id)
        outcome = run_recipe(client, build_id, recipe, params, workspace, settings)
    except store.NotRunning:
        return store.get_build(client, build_id)
    except Exception:
        log.exception("build %s failed inside buildtail", build_id, extra={"build_id": build_id})
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    changes = {
        "state": outcome.state,
        "reason": outcome.reason,
        "exit_code": outcome.exit_code,
        "finished_at": store.now_iso(),
    }
    finished = retrying(
        lambda: store.transition(
            client, build_id, [store.RUNNING_STATE], changes, retention_seconds=retention
        ),
        "recording how it ended",
        build_id,
    )
    log.info("build %s %s", build_id, outcome.state, extra={"build_id": build_id})
    return finished
