"""Long logs in a real Chromium: the page holds only the ranges it shows, and
still shows exactly the right lines wherever the reader goes: the end, the top,
the middle, a line link, a search match, inside a fold, in a colour set long
before."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app import store
from tests.browser.support import assert_every_line_once, start, wait_for_lines
from tests.support import wait_for_state, wait_until

pytestmark = pytest.mark.browser

RED = "rgb(255, 123, 114)"  # the page's readable shade of ANSI red
MAX_BLOCKS = 48  # app/static/src/log-model.js


def loaded_blocks(page) -> int:
    return int(page.get_attribute("#build", "data-loaded-blocks") or 0)


def shown_lines(page) -> list[tuple[int, str]]:
    """(number, text) of the rows inside the log's viewport, once none is loading."""
    page.wait_for_function(
        """() => {
          const log = document.getElementById('log').getBoundingClientRect();
          const rows = [...document.querySelectorAll('#log .line')].filter(row => {
            const box = row.getBoundingClientRect();
            return box.bottom > log.top && box.top < log.bottom;
          });
          return rows.length > 0 && rows.every(row => !row.classList.contains('pending'));
        }""",
        timeout=30_000,
    )
    rows = page.eval_on_selector_all(
        "#log .line",
        """(rows) => {
          const log = document.getElementById('log').getBoundingClientRect();
          return rows.filter(row => {
            const box = row.getBoundingClientRect();
            return box.bottom > log.top && box.top < log.bottom;
          }).map(row => [Number(row.querySelector('.ln').dataset.n),
                         row.querySelector('.text, .fold').textContent]);
        }""",
    )
    return [tuple(row) for row in rows]


def assert_numbered_run(rows: list[tuple[int, str]]) -> None:
    """Consecutive lines, each reading "line N"."""
    numbers = [number for number, _ in rows]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers
    assert all(text == f"line {number}" for number, text in rows), rows


def scroll_to(page, fraction: float) -> None:
    page.eval_on_selector(
        "#log", "(log, f) => { log.scrollTop = f * (log.scrollHeight - log.clientHeight); }",
        fraction,
    )


def finished_build(client, redis_client, lines: int, **params: str) -> int:
    build = start(client, "big-log", LINES=str(lines), **params)
    wait_for_state(redis_client, build, "succeeded", timeout=120)
    return build


def test_a_long_log_opens_at_its_end_and_reads_right_everywhere(
    server, worker, client, page, redis_client
):
    build = finished_build(client, redis_client, 60_000)
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#L60000 .text")).to_have_text("line 60000", timeout=30_000)
    expect(page.locator("#L60000")).to_be_in_viewport()
    assert loaded_blocks(page) == 1  # the tail alone, not 60,000 lines
    assert_numbered_run(shown_lines(page))
    for fraction in (0.0, 0.5, 0.25, 1.0):
        scroll_to(page, fraction)
        rows = shown_lines(page)
        assert_numbered_run(rows)
        if fraction == 0.0:
            assert rows[0][0] == 1
        if fraction == 1.0:
            assert rows[-1][0] == 60_000
    # Going everywhere holds a bounded number of blocks.
    for block in range(0, 60, 1):
        page.evaluate("n => { location.hash = '#L' + n; }", block * 1000 + 500)
        expect(page.locator(f"#L{block * 1000 + 500}.selected .text")).to_have_text(
            f"line {block * 1000 + 500}")
    assert loaded_blocks(page) <= MAX_BLOCKS
    scroll_to(page, 0.0)
    assert shown_lines(page)[0] == (1, "line 1")  # a dropped block loads again
    expect(page.locator("#build")).to_have_attribute("data-integrity", "verified")


def test_a_running_long_build_reloads_at_its_newest_line_and_follows(
    server, worker, client, page, redis_client
):
    build = start(client, "big-log", LINES="33000", PREFILL="30000", RATE="250")
    wait_until(lambda: redis_client.llen(store.lines_key(build)) > 30_500, 60,
               "the build to pass its prefill")
    page.goto(f"{server}/builds/{build}")
    wait_for_lines(page, 30_600)
    assert loaded_blocks(page) <= 3
    newest = shown_lines(page)[-1][0]
    assert newest >= 30_500
    page.reload()
    wait_for_lines(page, newest + 200)  # following after the reload
    expect(page.locator("#follow")).to_be_hidden()
    assert loaded_blocks(page) <= 3
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#L33000 .text")).to_have_text("line 33000")
    expect(page.locator("#L33000")).to_be_in_viewport()
    assert_every_line_once(page, 33_000)
    # The lines before the reload were never sent to it: read through, they check out.
    expect(page.locator("#build")).to_have_attribute("data-integrity", "verified",
                                                     timeout=30_000)
    assert_numbered_run(shown_lines(page))


def test_a_line_link_into_an_unloaded_range(server, worker, client, page, redis_client):
    build = finished_build(client, redis_client, 60_000)
    page.goto(f"{server}/builds/{build}#L31234")
    row = page.locator("#L31234")
    expect(row).to_have_class("line selected")
    expect(row.locator(".text")).to_have_text("line 31234")
    expect(row).to_be_in_viewport()
    assert loaded_blocks(page) <= 3
    assert_numbered_run(shown_lines(page))


def test_search_finds_and_jumps_across_unloaded_ranges(
    server, worker, client, page, redis_client
):
    build = finished_build(client, redis_client, 60_000, WORD_AT="17,25000,59990")
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#L60000 .text")).to_have_text("line 60000", timeout=30_000)
    page.fill("#search", "ZANZIBAR")
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text("1 of 3")
    expect(page.locator("#build")).to_have_attribute("data-search", "done")
    expect(page.locator("#L17 mark.current")).to_have_text("zanzibar")
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text("2 of 3")
    expect(page.locator("#L25000 mark.current")).to_be_in_viewport()
    page.press("#search", "Shift+Enter")
    page.press("#search", "Shift+Enter")
    expect(page.locator("#search-count")).to_have_text("3 of 3")
    expect(page.locator("#L59990 mark.current")).to_be_in_viewport()
    page.click("#search-regex")
    page.fill("#search", "zan.ibar|line 4242$")
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text("1 of 4")
    page.fill("#search", "(unclosed")
    page.press("#search", "Enter")
    expect(page.locator("#build")).to_have_attribute("data-search", "error")
    expect(page.locator("#search-count")).not_to_have_text("")
    page.click("#search-regex")
    page.click("#search-case")
    page.fill("#search", "ZANZIBAR")
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text("no matches")


def test_matches_found_far_from_view_leave_the_rows_in_view_alone(
    server, worker, client, page, redis_client
):
    """Matches that stream in (from the server's search or from live lines) far
    below the rows in view change the count, and build none of those rows again."""
    build = start(client, "big-log", LINES="3000", PREFILL="1000", RATE="100",
                  WORD_AT="10,2500,2900")
    wait_until(lambda: redis_client.llen(store.lines_key(build)) >= 1000, 60,
               "the build to pass its prefill")
    page.goto(f"{server}/builds/{build}")
    wait_for_lines(page, 1000)
    page.fill("#search", "zanzibar")
    page.press("#search", "Enter")
    expect(page.locator("#L10 mark.current")).to_be_in_viewport()
    page.evaluate("document.getElementById('L10').dataset.kept = 'yes'")
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#search-count")).to_have_text("1 of 3")
    expect(page.locator("#L10")).to_have_attribute("data-kept", "yes")
    expect(page.locator("#L10 mark.current")).to_be_in_viewport()


def test_a_fold_across_a_range_boundary(server, worker, client, page, redis_client):
    build = finished_build(client, redis_client, 3000, FOLD_FROM="900", FOLD_UNTIL="2100")
    page.goto(f"{server}/builds/{build}#L890")
    expect(page.locator("#L890 .text")).to_have_text("line 890", timeout=30_000)
    header = page.locator("#L900")
    expect(header.locator(".fold")).to_have_text("Long step")
    expect(header.locator(".group-meta")).to_contain_text("1199 lines")
    expect(header.locator(".fold")).to_have_attribute("aria-expanded", "false")
    rows = [number for number, _ in shown_lines(page)]
    assert 2101 in rows and 901 not in rows  # the body is hidden, what follows shown
    header.locator(".fold").click()
    page.evaluate("() => { location.hash = '#L1000'; }")
    expect(page.locator("#L1000.selected .text")).to_have_text("line 1000")
    shown = shown_lines(page)
    assert (1000, "line 1000") in shown and (1001, "line 1001") in shown
    assert_numbered_run([row for row in shown if row[0] != 900])


def test_a_colour_set_before_a_range_still_colours_it(server, worker, client, page,
                                                        redis_client):
    build = finished_build(client, redis_client, 6000, RED_FROM="5", RED_UNTIL="2700")
    page.goto(f"{server}/builds/{build}#L2500")
    expect(page.locator("#L2500 .text")).to_have_text("line 2500")
    expect(page.locator("#L2500 .text span")).to_have_css("color", RED)
    assert loaded_blocks(page) <= 3  # line 5, which set the colour, was never loaded
    page.evaluate("() => { location.hash = '#L2800'; }")
    expect(page.locator("#L2800 .text")).to_have_text("line 2800")
    assert page.locator("#L2800 .text span").count() == 0  # reset at line 2700
    page.evaluate("() => { location.hash = '#L4'; }")
    expect(page.locator("#L4 .text")).to_have_text("line 4")
    assert page.locator("#L4 .text span").count() == 0
    expect(page.locator("#L6 .text span")).to_have_css("color", RED)
