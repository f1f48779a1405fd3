"""The log API's ranges with a real worker and Redis: the terminal style at the
start of any range (from the worker's style index, the same once the log is
served from its archive) and the log's tail."""

from __future__ import annotations

import pytest
import requests

from app import store
from app.log_ranges import read_tail
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
