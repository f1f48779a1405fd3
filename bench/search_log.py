"""How long a whole-log search takes on a big log, from Redis and from its archive.

    .venv/bin/python -m bench.search_log --redis redis://127.0.0.1:6399/0 --lines 5000000

Fills build BUILD's log in that (scratch!) Redis with LINES lines of 40-80
characters ("<ms> <text>", RPUSH in batches) unless it already holds them,
writes its archive into a temporary directory, then times ``python -m
app.logsearch`` (the child process the API runs, start-up included) for a word
that occurs on 12 lines, a case-sensitive word, and a regex, from Redis and
from the archive. Prints one line per run: its time from start to end, and the
CPU time the search process and Redis spent on it (the figures that do not
depend on what else the machine is doing).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests

from app import archive, store

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("the build step compiling linking module test passed ok running tests for package"
         " src lib main error warning info debug cache fetch done").split()
NEEDLE = "zebrafish"
NEEDLE_LINES = 12


def fake_line(rng: random.Random) -> str:
    size = rng.randint(40, 80)
    words: list[str] = []
    while sum(map(len, words)) + len(words) < size:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:size]


def fill(client: redis.Redis, build_id: int, lines: int) -> None:
    """The log's lines, NEEDLE on NEEDLE_LINES of them spread over the log."""
    key = store.lines_key(build_id)
    client.delete(key)
    rng = random.Random(16)
    pool = [fake_line(rng) for _ in range(5000)]
    marked = {lines * (k + 1) // (NEEDLE_LINES + 1) for k in range(NEEDLE_LINES)}
    stamp = 1_700_000_000_000
    for start in range(0, lines, 10_000):
        batch = []
        for number in range(start + 1, min(start + 10_000, lines) + 1):
            text = pool[number % len(pool)]
            if number in marked:
                text = f"{text[:30]} {NEEDLE} {text[30:]}"
            batch.append(f"{stamp + number} {text}")
        client.rpush(key, *batch)


def record(client: redis.Redis, build_id: int, lines: int) -> None:
    """The build's record, as a finished build of that many lines."""
    client.hset(store.build_key(build_id), mapping={
        "id": build_id, "uid": "0123456789abcdef", "recipe": "lines", "state": "succeeded",
        "lines": lines})


def through_the_server(redis_url: str, archive_dir: str, build_id: int) -> None:
    """The API's answer through a real server.py: the time to the 7th match's line
    and to the end of the stream, as the page's search would see them."""
    from tests.support import start_server

    settings = {"REDIS_URL": redis_url, "ARCHIVE_DIR": archive_dir,
                "RECIPES_FILE": str(ROOT / "tests" / "recipes.toml"),
                "WORKSPACE_ROOT": archive_dir}
    service, url = start_server(settings, Path(archive_dir))
    try:
        for _ in range(2):
            started = time.monotonic()
            seventh, matches = None, 0
            response = requests.get(f"{url}/api/builds/{build_id}/search",
                                    params={"q": NEEDLE}, stream=True, timeout=60)
            response.raise_for_status()
            for line in response.iter_lines():
                matches += len(json.loads(line).get("matches", []))
                if seventh is None and matches >= 7:
                    seventh = time.monotonic() - started
            took = time.monotonic() - started
            print(f"GET /api/builds/{build_id}/search?q={NEEDLE}: 7th match after"
                  f" {seventh:.2f} s, done after {took:.2f} s ({matches} lines)")
    finally:
        service.stop()


def run(redis_url: str, archive_dir: str, build_id: int, query: str, **options: bool) -> None:
    request = {"build": build_id, "q": query, "regex": options.get("regex", False),
               "case": options.get("case", False), "time_limit": 60}
    env = {**os.environ, "REDIS_URL": redis_url, "ARCHIVE_DIR": archive_dir}
    client = redis.Redis.from_url(redis_url)
    redis_cpu, child_cpu = cpu_seconds(client), children_cpu_seconds()
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "app.logsearch", json.dumps(request)],
                         cwd=ROOT, env=env, capture_output=True, check=True).stdout
    took = time.monotonic() - started
    redis_cpu, child_cpu = cpu_seconds(client) - redis_cpu, children_cpu_seconds() - child_cpu
    last = json.loads(out.splitlines()[-1])
    lines = sum(len(json.loads(r).get("matches", [])) for r in out.splitlines())
    print(f"{query!r:14} {options or ''!s:16} {took:5.2f} s (CPU: search {child_cpu:.2f} s,"
          f" Redis {redis_cpu:.2f} s)  {lines} lines, total {last['total']},"
          f" scanned {last['scanned']}")


def cpu_seconds(client: redis.Redis) -> float:
    info = client.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True, help="a scratch Redis: its data is changed")
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--build", type=int, default=990_000_001)
    args = parser.parse_args()
    client = redis.Redis.from_url(args.redis)
    if client.llen(store.lines_key(args.build)) != args.lines:
        fill(client, args.build, args.lines)
    record(client, args.build, args.lines)
    with tempfile.TemporaryDirectory() as directory:
        through_the_server(args.redis, directory, args.build)
        for where in ("redis", "archive"):
            if where == "archive":
                archive.write_archive(client, args.build, directory)
                client.rename(store.lines_key(args.build), "search-bench-kept")
            print(f"-- {args.lines:,} lines from {where}")
            try:
                for query, options in ((NEEDLE, {}), ("ZebraFish", {}), ("zébra", {}),
                                       (NEEDLE, {"case": True}), ("zebra\\w+", {"regex": True})):
                    run(args.redis, directory, args.build, query, **options)
            finally:
                if where == "archive":
                    client.rename("search-bench-kept", store.lines_key(args.build))
                    client.hdel(store.build_key(args.build), "archive")


if __name__ == "__main__":
    main()
