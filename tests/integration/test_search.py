"""Whole-log search through the real gevent server, on logs written by a real
worker: the lines and counts, the order of the stream's records, a running
build's range, the same answer from the archive, the refusals, and a server
that answers other requests while a search runs."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from app import archive, store
from app.logsearch.job import search_log
from app.logsearch.matcher import Search
from app.logsearch.reader import open_log, reply_window
from app.logsearch.runner import SLOT_WAIT_SECONDS, search_slots
from tests.support import wait_for_state, wait_until

pytestmark = pytest.mark.integration

FINISHED = ("succeeded", "failed", "cancelled")
LINES = 25_000
# tests/scripts/search_log.py's lines holding "needle" in the text the page shows.
NEEDLE_ANY_CASE = {7: 3, 2500: 1, 12346: 1, 20000: 1, 24999: 1}
NEEDLE_LOWER = {7: 1, 2500: 1, 12346: 1, 20000: 1}


def start(server: str, recipe: str, **params: str) -> int:
    response = requests.post(f"{server}/api/builds", json={"recipe": recipe, "params": params},
                             timeout=30)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def search(server: str, build_id: int, **query: str) -> list[dict]:
    """The records of one search, in the order they came."""
    response = requests.get(f"{server}/api/builds/{build_id}/search", params=query, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/x-ndjson"
    return [json.loads(line) for line in response.text.splitlines()]


def found(records: list[dict]) -> dict[int, int]:
    """Line -> count over every record, checking the records' order on the way."""
    first, *middle, last = records
    assert set(first) == {"build", "range"}
    assert set(last) == {"done", "total", "scanned", "stopped"} and last["done"] is True
    matches: dict[int, int] = {}
    scanned = 0
    for record in middle:
        assert set(record) == {"matches", "scanned"}
        assert record["scanned"] >= scanned
        scanned = record["scanned"]
        for line, count in record["matches"]:
            assert line not in matches and (not matches or line > max(matches))
            assert line <= scanned
            matches[line] = count
    assert last["total"] == sum(matches.values())
    return matches


@pytest.fixture(scope="module")
def finished_log(server, worker, settings):
    import redis

    client = redis.Redis.from_url(settings["REDIS_URL"])
    build_id = start(server, "search-log", LINES=str(LINES))
    wait_for_state(client, build_id, FINISHED)
    assert store.get_build(client, build_id)["lines"] == LINES
    return build_id


def test_plain_text_any_case_finds_what_the_page_shows(server, finished_log):
    records = search(server, finished_log, q="needle")
    assert records[0] == {"build": finished_log, "range": [1, LINES]}
    # Not line 12345, whose progress line shows only "progress 100%".
    assert found(records) == NEEDLE_ANY_CASE
    assert records[-1] == {"done": True, "total": 7, "scanned": LINES, "stopped": None}


def test_case_regex_stamps_and_control_symbols(server, finished_log):
    assert found(search(server, finished_log, q="needle", case="1")) == NEEDLE_LOWER
    assert found(search(server, finished_log, q="NEEDLE", case="1")) == {7: 1, 24999: 1}
    tens = search(server, finished_log, q=r"^filler 1\d$", regex="1")
    assert found(tens) == {line: 1 for line in range(10, 20)}
    assert found(search(server, finished_log, q=r"nee.le\W", regex="1")) == {
        7: 3, 2500: 1, 12346: 1, 20000: 1}
    assert found(search(server, finished_log, q=r"needle$", regex="1")) == {24999: 1}
    assert found(search(server, finished_log, q=r"\bfiller 2499\b", regex="1")) == {2499: 1}
    # The stored time stamp before each text is no part of it.
    assert found(search(server, finished_log, q="0 filler")) == {}
    # A bell shows as its symbol, and is found as it.
    assert found(search(server, finished_log, q="\u2407")) == {20000: 1}


def test_the_same_answers_once_the_log_is_served_from_its_archive(
    server, finished_log, redis_client
):
    wait_until(lambda: redis_client.hget(store.build_key(finished_log), "archive"), 60,
               f"build {finished_log} to be archived")
    redis_client.delete(*store.log_keys(finished_log))
    assert found(search(server, finished_log, q="needle")) == NEEDLE_ANY_CASE
    tens = search(server, finished_log, q=r"^filler 1\d$", regex="1")
    assert found(tens) == {line: 1 for line in range(10, 20)}
    assert tens[-1] == {"done": True, "total": 10, "scanned": LINES, "stopped": None}


def test_a_running_build_is_searched_as_far_as_it_was_stored(server, worker, redis_client,
                                                               tmp_path):
    gate = tmp_path / "gate"
    build_id = start(server, "gated", RUNS="3000,10", GATES=str(gate))
    wait_until(lambda: redis_client.llen(store.lines_key(build_id)) == 3000, 60,
               "the first 3,000 lines")
    try:
        records = search(server, build_id, q=r"^line \d*7$", regex="1")
        assert records[0] == {"build": build_id, "range": [1, 3000]}
        assert found(records) == {line: 1 for line in range(7, 3001, 10)}
        assert records[-1]["scanned"] == 3000 and records[-1]["stopped"] is None
    finally:
        gate.touch()
    wait_for_state(redis_client, build_id, FINISHED)
    assert found(search(server, build_id, q="line 3010")) == {3010: 1}


@pytest.mark.parametrize("query, message", [
    ({}, "q must not be empty"),
    ({"q": ""}, "q must not be empty"),
    ({"q": "x" * 201}, "longer than 200"),
    ({"q": "(", "regex": "1"}, "RE2 cannot use this regex"),
    ({"q": "a*", "regex": "1"}, "matches an empty text"),
    ({"q": r"\b", "regex": "1"}, "matches an empty text"),
    ({"q": "x", "regex": "maybe"}, "regex must be 1 or 0"),
    ({"q": "two\nlines"}, "one line"),
])
def test_bad_searches_are_refused_before_any_streaming(server, finished_log, query, message):
    response = requests.get(f"{server}/api/builds/{finished_log}/search", params=query,
                            timeout=30)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert message in response.json()["error"]


def test_an_unknown_build_is_a_404(server, worker):
    response = requests.get(f"{server}/api/builds/987654321/search", params={"q": "x"},
                            timeout=30)
    assert response.status_code == 404
    assert response.json() == {"error": "build 987654321 does not exist"}


@contextlib.contextmanager
def held_archive(redis_client, settings, build_id: int) -> Iterator[Path]:
    """The build's log served from its archive, whose compressed file is a named pipe
    while this lasts: a search reading it waits until the test writes it."""
    wait_until(lambda: redis_client.hget(store.build_key(build_id), "archive"), 60,
               f"build {build_id} to be archived")
    redis_client.delete(*store.log_keys(build_id))
    name = redis_client.hget(store.build_key(build_id), "archive").decode()
    log_path = Path(settings["ARCHIVE_DIR"]) / f"{name}.log.gz"
    kept = log_path.with_name("held-" + log_path.name)
    os.replace(log_path, kept)
    os.mkfifo(log_path)
    try:
        yield kept
    finally:
        with contextlib.suppress(FileNotFoundError):
            log_path.unlink()
        os.replace(kept, log_path)


def test_other_requests_are_answered_while_a_search_waits_on_its_log(
    server, finished_log, redis_client, settings
):
    with held_archive(redis_client, settings, finished_log) as kept:
        response = requests.get(f"{server}/api/builds/{finished_log}/search",
                                params={"q": "needle"}, stream=True, timeout=60)
        lines = response.iter_lines()
        first = json.loads(next(lines))
        assert first == {"build": finished_log, "range": [1, LINES]}
        # The search now waits for its log; the server does not.
        for path in (f"/api/builds/{finished_log}", "/api/recipes", "/api/builds?limit=5"):
            assert requests.get(f"{server}{path}", timeout=10).status_code == 200
        log_path = kept.with_name(kept.name.removeprefix("held-"))
        feeder = threading.Thread(target=lambda: log_path.write_bytes(kept.read_bytes()))
        feeder.start()
        records = [first, *(json.loads(line) for line in lines)]
        feeder.join(30)
    assert found(records) == NEEDLE_ANY_CASE


def search_processes(build_id: int) -> list[int]:
    """The pids of the search children reading build ``build_id``'s log."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"app.logsearch" in command and f'"build": {build_id},'.encode() in command[-2]:
            pids.append(int(entry.name))
    return pids


def test_a_search_whose_client_left_is_stopped(server, finished_log, redis_client, settings):
    with held_archive(redis_client, settings, finished_log):
        response = requests.get(f"{server}/api/builds/{finished_log}/search",
                                params={"q": "needle"}, stream=True, timeout=60)
        lines = response.iter_lines()
        assert json.loads(next(lines))["range"] == [1, LINES]
        assert search_processes(finished_log)
        response.close()
        wait_until(lambda: not search_processes(finished_log), 8, "the search to be stopped")
    assert found(search(server, finished_log, q="needle")) == NEEDLE_ANY_CASE


def test_a_search_stops_past_its_limit_or_its_time(redis_client, settings):
    build_id = 987_000_016
    key = store.lines_key(build_id)
    redis_client.rpush(key, *[f"{1_700_000_000_000 + n} word word {n}" for n in range(5000)])
    try:
        records: list[dict] = []
        last = search_log(redis_client, settings["ARCHIVE_DIR"], build_id, Search("word"),
                          records.append, max_matches=5)
        assert records[1:] == [{"matches": [[1, 2], [2, 2], [3, 2]], "scanned": 3}, last]
        assert last == {"done": True, "total": 6, "scanned": 3, "stopped": "limit"}
        records.clear()
        last = search_log(redis_client, settings["ARCHIVE_DIR"], build_id,
                          Search(r"word \d+$", regex=True), records.append, time_limit=0)
        assert last["stopped"] == "time" and 0 < last["scanned"] < 5000
        assert last["total"] == last["scanned"] == len(records[1]["matches"])
    finally:
        redis_client.delete(key)


def test_a_search_past_the_slots_waits_then_is_refused_with_a_503(server, finished_log,
                                                                  redis_client, settings):
    slots = search_slots()  # the server runs on this machine: the same cores
    with held_archive(redis_client, settings, finished_log):
        held = [requests.get(f"{server}/api/builds/{finished_log}/search",
                             params={"q": "needle"}, stream=True, timeout=60)
                for _ in range(slots)]
        # Each read on (a line iterator closed early would close its connection).
        readers = [response.iter_lines() for response in held]
        for lines in readers:
            assert json.loads(next(lines))["range"] == [1, LINES]
        running = search_processes(finished_log)
        assert len(running) == slots
        for pid in running:  # they yield to everything else on the machine
            assert os.sched_getscheduler(pid) == os.SCHED_IDLE
            assert os.getpriority(os.PRIO_PROCESS, pid) == 19
        asked = time.monotonic()
        refused = requests.get(f"{server}/api/builds/{finished_log}/search",
                               params={"q": "needle"}, timeout=60)
        assert refused.status_code == 503
        assert f"every search slot is busy ({slots} at a time here)" in refused.json()["error"]
        assert time.monotonic() - asked >= SLOT_WAIT_SECONDS  # it waited for a slot first
        for response in held:
            response.close()
        wait_until(lambda: not search_processes(finished_log), 8, "the searches to stop")
    assert found(search(server, finished_log, q="needle")) == NEEDLE_ANY_CASE


def test_a_log_archived_while_it_is_read_is_read_on_from_its_archive(redis_client, tmp_path):
    build_id = 987_000_017
    entries = [f"{1_700_000_000_000 + n} line {n}".encode() for n in range(1, 25_001)]
    redis_client.rpush(store.lines_key(build_id), *entries)
    redis_client.hset(store.build_key(build_id), mapping={"uid": "0123456789abcdef"})
    try:
        archive.write_archive(redis_client, build_id, tmp_path)
        total, windows = open_log(redis_client, tmp_path, build_id)
        read: list[bytes] = []
        sources = set()
        for first, stored, raw in windows:
            assert first == len(read)
            sources.add("redis" if raw else "archive")
            read += (reply_window(stored) if raw else stored).split(b"\n")[:-1]
            redis_client.delete(store.lines_key(build_id))  # as its expiry would
        assert total == len(entries) and read == entries
        assert sources == {"redis", "archive"}
    finally:
        redis_client.delete(*store.log_keys(build_id), store.build_key(build_id))


def test_a_search_that_fails_ends_without_its_last_record(server, finished_log, redis_client,
                                                           settings):
    with held_archive(redis_client, settings, finished_log) as kept:
        kept.with_name(kept.name.removeprefix("held-")).unlink()  # no log where the index says
        records = search(server, finished_log, q="needle")
    assert records == [{"build": finished_log, "range": [1, LINES]}]
