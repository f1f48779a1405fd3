"""Soak: thousands of viewers come and go while builds run; nothing may pile up.

    ./dev soak [--clients 5000] [--per-cycle 500]

Starts a private stack and three builds printing 50 lines a second, then in
cycles connects a batch of real Socket.IO viewers, subscribes each to one of
the builds, disconnects them all, and measures the web process: memory,
greenlets, subscriptions and Redis connections, before, after the first cycle
(warm) and after the last, each time once dropped clients have settled.
Prints the table and appends it to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import psutil  # noqa: E402

from bench.pipeline import drop, idle_viewers, redis_connections  # noqa: E402
from bench.run import record  # noqa: E402
from bench.stack import Stack  # noqa: E402

BUILDS = 3
# Engine.IO's ping greenlet of a dropped client ends at its next ping, up to
# the 25 s ping interval later: measure after that.
SETTLE_SECONDS = 30


def census(stack) -> dict:
    with urllib.request.urlopen(stack.url + "/healthz?detail=1", timeout=30) as response:
        answer = json.load(response)
    answer["rss_mb"] = psutil.Process(stack.web_pid).memory_info().rss / 2**20
    answer["redis_connections"] = redis_connections(stack)
    return answer


def cycle(stack, build: int, viewers: int) -> None:
    """Connect and subscribe ``viewers`` clients, then disconnect them all."""
    drop(idle_viewers(stack, build, viewers))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--per-cycle", type=int, default=500)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    cycles = max(2, args.clients // args.per_cycle)
    with Stack() as stack:
        builds = [stack.start_build("paced", LINES="10000000", RATE="50") for _ in range(BUILDS)]
        time.sleep(2)
        start = census(stack)
        cycle(stack, builds[0], args.per_cycle)
        time.sleep(SETTLE_SECONDS)
        warm = census(stack)
        for number in range(1, cycles):
            cycle(stack, builds[number % BUILDS], args.per_cycle)
            now = census(stack)
            print(f"cycle {number + 1}/{cycles}: {now['rss_mb']:.0f} MB RSS,"
                  f" {now['python_objects']} objects, {now['greenlets']} greenlets", flush=True)
        time.sleep(SETTLE_SECONDS)
        end = census(stack)
        for build in builds:
            stack.api("POST", f"/api/builds/{build}/cancel", {})
    rows = []
    for key, label in [("rss_mb", "web RSS (MB)"), ("python_objects", "Python objects"),
                       ("greenlets", "greenlets"),
                       ("subscriptions", "subscriptions"), ("channels", "watched channels"),
                       ("redis_connections", "Redis connections")]:
        values = " / ".join(f"{census[key]:.0f}" for census in (start, warm, end))
        rows.append(("soak", f"{label}: start / after 1 cycle / after {cycles} cycles",
                     values, "flat"))
    rows.insert(0, ("soak", "viewers connected, subscribed and dropped",
                    f"{cycles * args.per_cycle:,} in {cycles} cycles, {BUILDS} builds running",
                    "—"))
    for row in rows:
        print(f"  {row[1]}: {row[2]}")
    if not args.no_record:
        print(record(f"./dev soak --clients {args.clients} --per-cycle {args.per_cycle}", rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
