"""The pipeline under load: ingest, fan-out, late join, catch-up and resources.

Viewers are real Socket.IO clients over WebSocket, run by bench/load-client.mjs
in Node (one process holds a thousand of them on two cores).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil

from app import store
from app.recipes import load_recipes
from launcher import redis_binary, wait_for

HERE = Path(__file__).resolve().parent
LOAD_CLIENT = HERE / "load-client.mjs"
INGEST_LINES = 1_000_000
FAN_OUT_LINES, FAN_OUT_RATE = 20_000, 2_000
LATE_JOIN_VIEWERS, LATE_JOIN_LINES, LATE_JOIN_RATE = 50, 100_000, 20_000
CATCH_UP_LINES = 1_000_000
PUBSUB_LINES, PUBSUB_SUBSCRIBERS = 1_000_000, (1, 8, 32)
PIPE_SINK = """
import fcntl, os, time
try:
    fcntl.fcntl(0, 1031, 1 << 20)
except OSError:
    pass
while chunk := os.read(0, 1 << 20):
    if len(chunk) >= 8192:
        time.sleep(0.002)
"""


def seconds_between(build: dict) -> float:
    started = datetime.fromisoformat(build["started_at"])
    return (datetime.fromisoformat(build["finished_at"]) - started).total_seconds()


def load(stack, build: int, viewers: int, *extra: str, timeout: float = 900) -> dict:
    """Run the Node load client to the end and return its JSON report."""
    result = subprocess.run(
        ["node", str(LOAD_CLIENT), stack.url, str(build), str(viewers), *extra],
        cwd=HERE.parent, capture_output=True, text=True, timeout=timeout, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def completeness(report: dict) -> str:
    return (
        f"{report['complete']}/{report['viewers']} complete; missing {report['missing']},"
        f" duplicate {report['duplicates']}, out of order {report['outOfOrder']}"
    )


class Sampler:
    """Polls a process's RSS in the background and keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.start_rss = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak - self.start_rss


def redis_connections(stack) -> int:
    """TCP connections the web process holds to the stack's Redis."""
    port = int(stack.redis_url.rsplit(":", 1)[1].split("/")[0])
    process = psutil.Process(stack.web_pid)
    return sum(
        1 for c in process.net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


def recipe_command(name: str) -> list[str]:
    """The exact command a bench recipe runs, as the worker would start it."""
    return list(load_recipes(str(HERE / "recipes.toml")).get(name).command)


def timed(command: list[str], env: dict[str, str], stdout) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=stdout, check=True, cwd=HERE)
    return time.perf_counter() - started


def idle_viewers(stack, build: int, viewers: int) -> subprocess.Popen:
    """Node load client holding ``viewers`` subscribed viewers until ``drop``."""
    client = subprocess.Popen(
        ["node", str(LOAD_CLIENT), stack.url, str(build), str(viewers), "--idle"],
        cwd=HERE.parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    if "all subscribed" not in client.stderr.readline():
        raise RuntimeError("the idle viewers did not all subscribe")
    return client


def drop(client: subprocess.Popen) -> None:
    """Disconnect every viewer of an ``idle_viewers`` client."""
    client.communicate("stop\n", timeout=120)


def ingest_sentinel(stack) -> list[tuple[str, str, str]]:
    """Ingest through Sentinel with a replica: each append also waits for the
    replica to confirm it (WAIT), so a failover can lose no line."""
    build = stack.wait_finished(stack.start_build("burst", LINES=str(INGEST_LINES)))
    assert build["lines"] == INGEST_LINES, build
    replica_lines = stack.replica.llen(store.lines_key(build["id"]))
    return [
        ("lines stored per second, one worker, each append confirmed by a replica",
         f"{INGEST_LINES / seconds_between(build):,.0f}", "—"),
        ("  lines on the replica when the build finished", f"{replica_lines:,}",
         f"{INGEST_LINES:,}"),
    ]


def ingest(stack) -> list[tuple[str, str, str]]:
    """One build printing 1,000,000 lines as fast as it can, nobody watching."""
    env = {**os.environ, "LINES": str(INGEST_LINES)}
    command = recipe_command("burst")
    bare = timed(command, env, subprocess.DEVNULL)
    # The least any reader of a pipe costs: the same command into one that
    # only drains it (the way buildtail's reader does, in big reads).
    with subprocess.Popen([sys.executable, "-c", PIPE_SINK], stdin=subprocess.PIPE) as sink:
        piped = timed(command, env, sink.stdin)
        sink.stdin.close()
    build = stack.wait_finished(stack.start_build("burst", LINES=str(INGEST_LINES)))
    assert build["lines"] == INGEST_LINES, build
    wall = seconds_between(build)
    return [
        ("lines stored per second, one worker", f"{INGEST_LINES / wall:,.0f}", "≥ 150,000"),
        ("build wall time / the same command to /dev/null",
         f"{wall:.2f} s / {bare:.2f} s = {wall / bare:.2f}", "≤ 1.3"),
        ("  for scale: the command into a pipe that is only drained",
         f"{piped:.2f} s = {piped / bare:.2f}", "—"),
    ]


def fan_out(stack, viewers: int) -> list[tuple[str, str, str]]:
    """Viewers subscribed before a build prints 20,000 lines at 2,000 lines/s."""
    start_at = int((time.time() + 3 + viewers / 200) * 1000)
    build = stack.start_build("paced", LINES=str(FAN_OUT_LINES), RATE=str(FAN_OUT_RATE),
                              START_AT=str(start_at))
    web = psutil.Process(stack.web_pid)
    cpu_before, wall_before = sum(web.cpu_times()[:2]), time.monotonic()
    report = load(stack, build, viewers)
    cpu = (sum(web.cpu_times()[:2]) - cpu_before) / (time.monotonic() - wall_before)
    latency = report["latencyMs"]
    target = "p99 < 150 ms" if viewers <= 200 else "p99 < 1000 ms"
    return [
        (f"{viewers} viewers, 2,000 lines/s: latency p50 / p99 / max",
         f"{latency['p50']} / {latency['p99']} / {latency['max']} ms", target),
        (f"{viewers} viewers: completeness", completeness(report), "all complete"),
        (f"{viewers} viewers: web process CPU", f"{cpu:.0%} of one core", "—"),
    ]


def fan_out_200(stack):
    return fan_out(stack, 200)


def fan_out_1000(stack):
    return fan_out(stack, 1000)


def late_join(stack) -> list[tuple[str, str, str]]:
    """50 viewers joining at random moments of a 100,000-line build."""
    duration_ms = LATE_JOIN_LINES * 1000 // LATE_JOIN_RATE
    build = stack.start_build("paced", LINES=str(LATE_JOIN_LINES), RATE=str(LATE_JOIN_RATE))
    report = load(stack, build, LATE_JOIN_VIEWERS, "--spread", str(duration_ms))
    return [(f"{LATE_JOIN_VIEWERS} viewers joining during a {LATE_JOIN_LINES:,}-line build",
             completeness(report), "no gap, no duplicate")]


def catch_up(stack) -> list[tuple[str, str, str]]:
    """One new viewer of a finished 1,000,000-line build."""
    build = stack.wait_finished(stack.start_build("burst", LINES=str(CATCH_UP_LINES)))
    assert build["lines"] == CATCH_UP_LINES, build
    sampler = Sampler(stack.web_pid)
    report = load(stack, build["id"], 1)
    growth = sampler.stop()
    return [
        ("1,000,000 finished lines to a new viewer",
         f"{report['catchUpSeconds']:.2f} s in {report['messages']} messages of at most"
         f" {report['largestMessage']:,} lines", "< 5 s, bounded chunks"),
        ("  its completeness", completeness(report), "complete"),
        ("  web process memory growth meanwhile", f"{growth / 2**20:.1f} MB", "< 100 MB"),
    ]


def resources(stack) -> list[tuple[str, str, str]]:
    """Memory and Redis connections of the web process with 0, 200 and 1,000 idle viewers."""
    build = stack.start_build("quiet", SECONDS="600")
    web = psutil.Process(stack.web_pid)
    rows = []
    baseline = None
    for viewers in (0, 200, 1000):
        client = idle_viewers(stack, build, viewers) if viewers else None
        time.sleep(2)
        rss = web.memory_info().rss
        baseline = baseline if baseline is not None else rss
        per_viewer = f", {(rss - baseline) / viewers / 1024:.1f} KB per viewer" if viewers else ""
        rows.append((f"{viewers} idle viewers: web RSS, Redis connections",
                     f"{rss / 2**20:.0f} MB{per_viewer}; {redis_connections(stack)} connections",
                     "< 50 KB per viewer; ≤ 3 connections"))
        if client is not None:
            drop(client)
    stack.api("POST", f"/api/builds/{build}/cancel", {})
    return rows


def subscriber(stack, channel: str) -> tuple[subprocess.Popen, subprocess.Popen]:
    """redis-cli subscribed to ``channel``, its output counted by wc: a reader
    that costs as little as one can, so Redis's own cost is what shows."""
    cli = Path(redis_binary()).with_name("redis-cli")
    port = stack.redis_url.rsplit(":", 1)[1].split("/")[0]
    reader = subprocess.Popen([str(cli), "-p", port, "SUBSCRIBE", channel],
                              stdout=subprocess.PIPE, start_new_session=True)
    counter = subprocess.Popen(["wc", "-c"], stdin=reader.stdout, stdout=subprocess.PIPE,
                               text=True)
    reader.stdout.close()
    return reader, counter


def redis_cpu_seconds(stack) -> float:
    cpu = stack.redis.info("cpu")
    return cpu["used_cpu_user"] + cpu["used_cpu_sys"]


def subscribed(stack, channel: str) -> int:
    return stack.redis.pubsub_numsub(channel)[0][1]


def all_sent(stack) -> bool:
    """Redis has handed every subscriber everything once their buffers are empty."""
    return all(int(client["omem"]) == 0 for client in stack.redis.client_list(_type="pubsub"))


def pubsub_with(stack, subscribers: int) -> list[tuple[str, str, str]]:
    channel = store.build_channel(int(stack.redis.get(store.NEXT_ID) or 0) + 1)
    readers = [subscriber(stack, channel) for _ in range(subscribers)]
    if not wait_for(lambda: subscribed(stack, channel) == subscribers, 15):
        raise RuntimeError("the subscribers did not all subscribe")
    cpu_before = redis_cpu_seconds(stack)
    build = stack.wait_finished(stack.start_build("burst", LINES=str(PUBSUB_LINES)))
    assert build["lines"] == PUBSUB_LINES, build
    wall = seconds_between(build)
    wait_for(lambda: all_sent(stack), 120)
    cpu = redis_cpu_seconds(stack) - cpu_before
    connected = subscribed(stack, channel)
    received = []
    for reader, counter in readers:
        reader.terminate()
        received.append(int(counter.communicate(timeout=30)[0]))
        reader.wait()
    per_reader = max(received) / wall / 2**20
    everything = connected == subscribers and len(set(received)) == 1
    return [
        (f"{subscribers} subscribers: lines stored per second", f"{PUBSUB_LINES / wall:,.0f}", "—"),
        (f"{subscribers} subscribers: Redis CPU per 1,000,000 lines", f"{cpu:.2f} s", "—"),
        (f"{subscribers} subscribers: pub/sub out of Redis",
         f"{per_reader:.0f} MB/s to each, {per_reader * subscribers:.0f} MB/s in all",
         "—"),
        (f"{subscribers} subscribers: every one got everything",
         "yes" if everything else f"no: {connected} still subscribed, got {sorted(set(received))}",
         "yes"),
    ]


def pubsub(stack) -> list[tuple[str, str, str]]:
    """Redis pub/sub as web processes use it: each subscribes once to a watched
    build's channel, whatever its number of viewers. A build prints 1,000,000
    lines flat out with 1, 8 and 32 subscribers (web processes) on its channel."""
    return [row for count in PUBSUB_SUBSCRIBERS for row in pubsub_with(stack, count)]


# Scenarios that need more than the plain stack.
STACK_OPTIONS = {"ingest-sentinel": {"sentinel": True}}

SCENARIOS = {
    "ingest": ingest,
    "ingest-sentinel": ingest_sentinel,
    "fan-out-200": fan_out_200,
    "fan-out-1000": fan_out_1000,
    "late-join": late_join,
    "catch-up": catch_up,
    "resources": resources,
    "pubsub": pubsub,
}
