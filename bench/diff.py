"""Comparing two 200,000-line logs: the API's answer (cold, then cached) beside
difflib doing the same comparison, and live viewers' latency with and without
comparisons running meanwhile."""

from __future__ import annotations

import difflib
import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from app.logdiff import hunks
from app.logdiff.volatile import normalise
from bench.pipeline import load

HERE = Path(__file__).resolve().parent
LINES = 200_000
COLD_RUNS = 3
VIEWERS, LIVE_LINES, LIVE_RATE = 100, 30_000, 2_000
DIFFLIB_LIMIT_SECONDS = 120

# Runs in a child so it can be stopped at the limit: difflib without its
# "popular line" heuristic, over the same normalised lines.
DIFFLIB_STRICT = """
import difflib, sys
a, b = sys.stdin.read().split("\\0")
list(difflib.SequenceMatcher(None, a.split("\\n"), b.split("\\n"), autojunk=False)
     .get_grouped_opcodes(3))
"""


def fetch(url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read()
        return time.perf_counter() - started, response.status, body


def log_lines(stack, build: int) -> list[str]:
    return fetch(f"{stack.url}/builds/{build}/log.txt")[2].decode().split("\n")[:-1]


def pair(stack, stamped: str) -> tuple[int, int]:
    """A green build and one that differs from it in three places, both finished."""
    green = stack.start_build("diff-log", LINES=str(LINES), STAMPED=stamped)
    stack.wait_finished(green)
    changed = stack.start_build("diff-log", LINES=str(LINES), VARIANT="1", STAMPED=stamped)
    stack.wait_finished(changed)
    return green, changed


def api_seconds(stack, green: int, changed: int) -> tuple[list[float], float, dict]:
    """Cold answers (each context value is a new comparison), then a cached one."""
    import json

    cold = []
    for context in range(3, 3 + COLD_RUNS):
        seconds, status, body = fetch(
            f"{stack.url}/api/builds/{changed}/diff?against={green}&context={context}")
        assert status == 200, body
        cold.append(seconds)
    cached, _status, body = fetch(
        f"{stack.url}/api/builds/{changed}/diff?against={green}&context=3")
    return cold, cached, json.loads(body)


def in_process(stack, green: int, changed: int) -> tuple[float, float, float, tuple]:
    """The same comparison in this process: normalising both logs, patiencediff's
    matching and difflib's (with its default autojunk heuristic)."""
    a, b = log_lines(stack, green), log_lines(stack, changed)
    started = time.perf_counter()
    a_keys, b_keys = normalise(a, green), normalise(b, changed)
    normalised = time.perf_counter() - started
    started = time.perf_counter()
    hunks.compare(a, b, a_keys, b_keys)
    patience = time.perf_counter() - started
    started = time.perf_counter()
    list(difflib.SequenceMatcher(None, a_keys, b_keys).get_grouped_opcodes(3))
    naive = time.perf_counter() - started
    return normalised, patience, naive, (a_keys, b_keys)


def difflib_strict(keys: tuple[list[str], list[str]]) -> str:
    data = "\n".join(keys[0]) + "\0" + "\n".join(keys[1])
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-c", DIFFLIB_STRICT], input=data, text=True,
                       check=True, timeout=DIFFLIB_LIMIT_SECONDS)
    except subprocess.TimeoutExpired:
        return f"> {DIFFLIB_LIMIT_SECONDS} s (stopped)"
    return f"{time.perf_counter() - started:.1f} s"


def child_start_seconds() -> float:
    """How long the comparing process takes to start (its imports): it is given no
    arguments, so it stops right after them."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "app.logdiff"], cwd=HERE.parent,
                       capture_output=True, check=False)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def comparing(stack, requests: list[str], stop: threading.Event, seconds: list[float]) -> None:
    """Ask for comparisons nobody asked for before, one after another, until ``stop``."""
    for url in requests:
        if stop.is_set():
            return
        elapsed, status, _body = fetch(url)
        if status == 200:
            seconds.append(elapsed)


def live_latency(stack, requests: list[str] | None) -> tuple[dict, list[float]]:
    """Latency of VIEWERS viewers of a build printing LIVE_RATE lines a second,
    with two clients asking for comparisons meanwhile when ``requests`` is given."""
    start_at = int((time.time() + 4) * 1000)
    build = stack.start_build("paced", LINES=str(LIVE_LINES), RATE=str(LIVE_RATE),
                              START_AT=str(start_at))
    stop, seconds, threads = threading.Event(), [], []
    for half in (requests[0::2], requests[1::2]) if requests else ():
        threads.append(threading.Thread(target=comparing, args=(stack, half, stop, seconds)))
        threads[-1].start()
    report = load(stack, build, VIEWERS)
    stop.set()
    for thread in threads:
        thread.join()
    return report["latencyMs"], seconds


def uncached_requests(stack, pairs: list[tuple[int, int]]) -> list[str]:
    """Every comparison not asked for yet: both directions, each context value."""
    urls = []
    for (green, changed), context in itertools.product(pairs, range(7, 21)):
        urls.append(f"{stack.url}/api/builds/{changed}/diff?against={green}&context={context}")
        urls.append(f"{stack.url}/api/builds/{green}/diff?against={changed}&context={context}")
    return urls


def latency(figures: dict) -> str:
    return f"{figures['p50']} / {figures['p99']} / {figures['max']} ms"


def diff(stack) -> list[tuple[str, str, str]]:
    plain, stamped = pair(stack, "0"), pair(stack, "1")
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    rows = [("machine load average (1, 5, 15 min) when the comparisons began", load_average,
             "—"),
            ("starting the comparing process (python -m app.logdiff: its imports)",
             f"{child_start_seconds():.2f} s", "—")]
    for label, (green, changed) in (("few volatile lines", plain),
                                    ("every line stamped", stamped)):
        cold, cached, answer = api_seconds(stack, green, changed)
        normalised, patience, naive, keys = in_process(stack, green, changed)
        rows += [
            (f"API answer, 2 × {LINES:,} lines, {label}: cold (median of {COLD_RUNS}) / cached",
             f"{statistics.median(cold):.2f} s ({', '.join(f'{s:.2f}' for s in cold)}) / "
             f"{cached * 1000:.0f} ms; {answer['hunks_total']} hunks", "< 2 s"),
            ("  in one process: normalising both logs / patiencediff's hunks / difflib's",
             f"{normalised:.2f} s / {patience:.2f} s / {naive:.2f} s", "—"),
        ]
        if label == "few volatile lines":
            rows.append(("  difflib without its autojunk heuristic (the naive baseline)",
                         difflib_strict(keys), "—"))
    quiet, _ = live_latency(stack, None)
    busy, seconds = live_latency(stack, uncached_requests(stack, [plain, stamped]))
    rows += [
        (f"{VIEWERS} viewers, {LIVE_RATE:,} lines/s: latency p50 / p99 / max, no comparison",
         latency(quiet), "p99 < 150 ms"),
        ("  the same while two clients ask for comparison after comparison",
         f"{latency(busy)}; {len(seconds)} comparisons, median "
         f"{statistics.median(seconds) if seconds else 0:.2f} s", "≈ unchanged"),
    ]
    return rows


STACK_OPTIONS = {"diff": {"RECIPES_FILE": str(HERE / "diff-recipes.toml")}}
SCENARIOS = {"diff": diff}
