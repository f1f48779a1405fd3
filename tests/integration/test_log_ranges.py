"""The log API's ranges with a real worker and Redis: the terminal style at the
start of any range (from the worker's style index, the same once the log is
served from its archive) and the log's tail."""

from __future__ import annotations

import itertools

import pytest
import requests

from app import store
from app.execution.log_writer import LogWriter
from app.log_ranges import read_tail
from app.output import SecretMasker
from app.sgr import style_after
from tests.support import wait_for_state, wait_until

pytestmark = pytest.mark.integration

RED, BOLD_RED = "\x1b[31m", "\x1b[1;31m"
BOLD_RED_ON_BLUE = "\x1b[1;31;48;5;17m"
TRUE_COLOUR = "\x1b[38;2;10;20;30m"
# after -> the style at the start of line after+1, as ranges_colours.py prints them.
EXPECTED = {0: "", 999: RED, 1000: RED, 1500: BOLD_RED, 2000: BOLD_RED_ON_BLUE,
            2600: TRUE_COLOUR, 3000: TRUE_COLOUR}


def start(url: str, recipe: str) -> int:
    response = requests.post(f"{url}/api/builds", json={"recipe": recipe, "params": {}})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def log_api(url: str, build_id: int, query: str, status: int = 200) -> dict:
    response = requests.get(f"{url}/api/builds/{build_id}/log?{query}", timeout=30)
    assert response.status_code == status, response.text
    return response.json()


def whole_log(url: str, build_id: int) -> tuple[list[str], list[str]]:
    """Every line of log.txt, and the style at the start of each (and after the
    last), by folding the whole log: what a range must agree with."""
    lines = requests.get(f"{url}/builds/{build_id}/log.txt", timeout=30).text.split("\n")[:-1]
    styles, style = [], ""
    for line in lines:
        styles.append(style)
        style = style_after(style, line)
    return lines, [*styles, style]


def check_ranges(url: str, build_id: int, lines: list[str], styles: list[str]) -> None:
    for after, style in EXPECTED.items():
        page = log_api(url, build_id, f"after={after}&limit=10")
        assert page["style"] == style == styles[after], after
        assert page["first"] == after + 1 and page["total"] == 3000
        assert page["lines"] == lines[after:after + 10]
    tail = log_api(url, build_id, "tail=10")
    assert (tail["first"], tail["total"], tail["done"]) == (2991, 3000, True)
    assert tail["lines"] == [f"line {n}" for n in range(2991, 3001)]
    assert tail["style"] == TRUE_COLOUR
    whole = log_api(url, build_id, "tail=999999999")
    assert (whole["first"], whole["style"], len(whole["lines"])) == (1, "", 3000)


def test_style_and_tail_from_redis_and_from_the_archive(server, worker, redis_client, settings):
    build_id = start(server, "ranges-colours")
    wait_for_state(redis_client, build_id, {store.SUCCEEDED})
    index = store.read_all_styles(redis_client, build_id)
    assert index == {1: RED, 2: BOLD_RED_ON_BLUE, 3: TRUE_COLOUR}
    lines, styles = whole_log(server, build_id)
    check_ranges(server, build_id, lines, styles)

    wait_until(lambda: redis_client.hget(store.build_key(build_id), "archive"), 60,
               f"build {build_id} to be archived")
    redis_client.delete(*store.log_keys(build_id))  # as their TTL would
    check_ranges(server, build_id, lines, styles)


def test_the_spec_fields_stay_and_tail_keeps_the_newest_lines_that_fit(
    server, worker, redis_client, settings
):
    build_id = start(server, "ranges-colours")
    wait_for_state(redis_client, build_id, {store.SUCCEEDED})
    page = log_api(server, build_id, "after=5&limit=3")
    assert page == {"build": build_id, "first": 6, "lines": ["line 6", "line 7", "line 8"],
                    "times": page["times"], "total": 3000, "done": False, "style": RED}
    assert len(page["times"]) == 3
    assert log_api(server, build_id, "after=2997")["done"] is True

    refused = log_api(server, build_id, "tail=5&after=10", status=400)
    assert "tail" in refused["error"] and "after" in refused["error"]
    assert "error" in log_api(server, build_id, "tail=0", status=400)
    assert "error" in log_api(server, build_id, "tail=x", status=400)

    lines, styles = whole_log(server, build_id)
    for count, max_bytes in ((3000, 400), (3000, 20_000), (100, 1_000_000)):
        newest = read_tail(redis_client, settings["ARCHIVE_DIR"], build_id, count, max_bytes,
                           3000)
        size = sum(len(f"{stamp} {line}") for line, stamp in zip(newest.lines, newest.times,
                                                                 strict=True))
        assert newest.lines == lines[newest.first - 1:]
        assert size <= max_bytes and len(newest.lines) <= count
        # No older line would fit: lines are at most 40 bytes ("<ms> line N", escapes).
        assert len(newest.lines) == count or size > max_bytes - 40
        assert newest.style == styles[newest.first - 1]


def running_build(client) -> int:
    build_id = store.create_build(client, "lines", {})["id"]
    store.transition(client, build_id, [store.QUEUED], {"state": store.RUNNING_STATE})
    return build_id


def index_of_stored_lines(client, build_id: int) -> dict[int, str]:
    """The style index by its definition, folded over the log as Redis holds it."""
    stored, _ = store.read_lines(client, build_id, 0, 100_000)
    index, style = {}, ""
    for number, line in enumerate(stored, 1):
        style = style_after(style, line)
        if number % 1000 == 0 and style:
            index[number // 1000] = style
    return index


def test_the_writer_indexes_the_lines_as_stored_whatever_its_batches(redis_client):
    build_id = running_build(redis_client)
    writer = LogWriter(redis_client, build_id, 10**9)
    styled = {1: "\x1b[31m", 999: "\x1b[1m", 1001: "\x1b[0m", 2000: "\x1b[4m",
              2999: "\x1b[22;38;5;9m", 3500: "\x1b[m", 4000: "\x1b[7m"}
    lines = [f"{styled.get(n, '')}line {n}" for n in range(1, 4601)]
    cuts = [0, 1, 999, 1000, 1001, 1002, 1998, 2999, 3001, 4000, 4600]
    for start, end in itertools.pairwise(cuts):
        writer.write(lines[start:end], [store.now_ms()] * (end - start))
    writer.finish()
    index = store.read_all_styles(redis_client, build_id)
    assert index == index_of_stored_lines(redis_client, build_id)
    assert index == {1: "\x1b[1;31m", 2: "\x1b[4m", 3: "\x1b[4;38;5;9m", 4: "\x1b[7m"}

    # A retried append (Redis applied it, the answer was lost) leaves the index as it was.
    store.append_lines(redis_client, build_id, 1001, lines[1000:1001], [store.now_ms()],
                       styles={1: "\x1b[32m"})
    assert store.read_all_styles(redis_client, build_id) == index
    assert store.line_count(redis_client, build_id) == 4600


def test_lines_the_budget_held_back_colour_nothing(redis_client):
    """Past MAX_LOG_BYTES only the head and the last 1,000 lines are stored: the
    index follows those, not a colour set in a line that was never stored."""
    build_id = running_build(redis_client)
    writer = LogWriter(redis_client, build_id, 200, SecretMasker([]))
    lines = [f"line {n}" for n in range(1, 3001)]
    lines[1] = "\x1b[44mline 2"  # in the stored head
    lines[1500] = "\x1b[1mline 1501"  # held back, never stored
    writer.write(lines, [store.now_ms()] * len(lines))
    writer.finish()
    assert store.line_count(redis_client, build_id) > 1000
    index = store.read_all_styles(redis_client, build_id)
    assert index == index_of_stored_lines(redis_client, build_id)
    assert set(index.values()) == {"\x1b[44m"}
