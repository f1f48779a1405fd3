"""The build page in a real Chromium: live lines, reloads, colours, links, follow, folds, search."""

from __future__ import annotations

import re
import signal

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_every_line_once, received, start, wait_for_lines
from tests.support import start_server, wait_for_state

pytestmark = pytest.mark.browser

CLOCK = re.compile(r"^\d\d:\d\d:\d\d$")


def rendered_rows(page) -> list[tuple[int, str]]:
    """(line number, text) of every row the page has in its DOM right now."""
    rows = page.eval_on_selector_all(
        "#log .line",
        "rows => rows.map(r => [Number(r.querySelector('.ln').dataset.n),"
        " r.querySelector('.text, .fold').textContent])",
    )
    return [tuple(row) for row in rows]


def following(page) -> bool:
    return page.locator("#follow").is_hidden()


def start_from_form(page, server: str, recipe: str, **fields: str) -> int:
    """Fill and submit the home page's form like a person; returns the new build's id."""
    page.goto(server + "/")
    page.select_option("#recipe", recipe)
    for name, value in fields.items():
        page.fill(f"#{recipe}-{name}", value)
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/builds/*")
    return int(page.url.rsplit("/", 1)[1])


def test_start_from_the_form_watch_live_and_reload(server, worker, page):
    start_from_form(page, server, "slow", LINES="60", DELAY="0.05")
    expect(page.locator("#connection")).to_have_text("live")
    expect(page.locator("#L1 .text")).to_have_text("line 1", timeout=30_000)
    page.reload()
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#connection")).to_have_text("finished")
    wait_for_lines(page, 60)
    assert_every_line_once(page, 60)
    rows = rendered_rows(page)
    assert rows == [(n, f"line {n}") for n in range(rows[0][0], 61)]
    assert page.title().startswith("✓ #")


def test_html_in_a_log_line_stays_text(server, worker, page):
    start_from_form(page, server, "echo", MESSAGE="<img src=x onerror=alert(1)>")
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#L1 .text")).to_have_text("<img src=x onerror=alert(1)>")
    assert page.locator("#log img").count() == 0


def test_ansi_codes_become_styled_spans(server, worker, client, page):
    build = start(client, "shapes", SHAPE="colours")
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    red = page.locator("#L1 .text span").first
    expect(red).to_have_text("red text")
    expect(red).to_have_css("color", "rgb(255, 123, 114)")  # red, made readable on dark
    expect(page.locator("#L1 .text")).to_have_text("red text plain")
    expect(page.locator("#L2 .text span")).to_have_css("color", "rgb(255, 135, 0)")
    expect(page.locator("#L3 .text span")).to_have_css("color", "rgb(1, 2, 3)")
    expect(page.locator("#L4 .a-bold")).to_have_text("bold")
    expect(page.locator("#L4 .a-italic")).to_have_text("italic")
    expect(page.locator("#L4 .a-underline")).to_have_text("underline")
    # A carriage-return progress bar shows its last state.
    expect(page.locator("#L5 .text")).to_have_text("downloading 100%")
    # Escape sequences other than colours are dropped, never interpreted.
    expect(page.locator("#L6 .text")).to_have_text("cursor games gone")
    assert page.title().endswith("· buildtail") and "retitled" not in page.title()


def test_line_link_highlights_its_line_while_running(server, worker, client, page, redis_client):
    build = start(client, "slow", LINES="600", DELAY="0.05")
    page.goto(f"{server}/builds/{build}#L40-L42")
    row = page.locator("#L40")
    expect(row).to_have_class("line selected", timeout=30_000)
    expect(page.locator("#L42")).to_have_class("line selected")
    expect(page.locator("#L43")).not_to_have_class("line selected")
    expect(row).to_be_in_viewport()
    assert page.get_attribute("#build", "data-state") == "running"
    # Later lines keep arriving; the linked line stays where the reader is.
    wait_for_lines(page, 150)
    expect(row).to_be_in_viewport()
    assert not following(page)
    # Clicking a line number makes it the link.
    page.locator("#L45 .ln").click()
    assert page.url.endswith("#L45")
    expect(page.locator("#L45")).to_have_class("line selected")
    page.locator("#L50 .ln").click(modifiers=["Shift"])
    assert page.url.endswith("#L45-L50")
    client.post(f"/api/builds/{build}/cancel")
    wait_for_state(redis_client, build, "cancelled")


def test_follow_stops_when_scrolled_up_and_resumes(server, worker, client, page, redis_client):
    build = start(client, "slow", LINES="3000", DELAY="0.005")
    page.goto(f"{server}/builds/{build}")
    wait_for_lines(page, 300)
    assert following(page)
    log = page.locator("#log")
    log.hover()
    page.mouse.wheel(0, -600)
    expect(page.locator("#follow")).to_be_visible()
    top = log.evaluate("el => el.scrollTop")
    seen = received(page)
    wait_for_lines(page, seen + 200)
    # New lines arrive below; the reader's place does not move.
    assert log.evaluate("el => el.scrollTop") == top
    expect(page.locator("#new-lines")).to_contain_text("lines below")
    page.click("#follow")
    expect(page.locator("#follow")).to_be_hidden()
    seen = received(page)
    wait_for_lines(page, seen + 200)
    page.wait_for_function(
        "() => { const el = document.getElementById('log');"
        " return el.scrollHeight - el.scrollTop - el.clientHeight < 10; }"
    )
    assert following(page)
    client.post(f"/api/builds/{build}/cancel")
    wait_for_state(redis_client, build, "cancelled")


def test_fold_opens_and_stays_open_while_lines_stream(server, worker, client, page):
    build = start(client, "shapes", SHAPE="group", LINES="40", DELAY="0.1")
    page.goto(f"{server}/builds/{build}")
    fold = page.locator("#L2 .fold")
    expect(fold).to_have_text("Compile everything", timeout=30_000)
    expect(fold).to_have_attribute("aria-expanded", "false")
    assert page.locator("#L3").count() == 0  # a closed fold hides its lines
    fold.click()
    expect(fold).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect(fold).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#L42 .text")).to_have_text("compile step 40")
    expect(page.locator("#L2 .group-meta")).to_contain_text("40 lines")
    expect(page.locator("#L44 .text")).to_have_text("after the group")
    assert page.locator("#L43").count() == 0  # the ::endgroup:: marker is not shown
    fold.click()
    expect(page.locator("#L42")).to_have_count(0)


def test_line_link_into_a_closed_fold_opens_it(server, worker, client, page, redis_client):
    build = start(client, "shapes", SHAPE="group", LINES="30", DELAY="0")
    wait_for_state(redis_client, build, "succeeded")
    page.goto(f"{server}/builds/{build}#L20")
    expect(page.locator("#L20")).to_have_class("line selected")
    expect(page.locator("#L2 .fold")).to_have_attribute("aria-expanded", "true")


def test_search_finds_a_match_in_an_unrendered_part(server, worker, client, page, redis_client):
    build = start(client, "shapes", SHAPE="needle", LINES="20000")
    wait_for_state(redis_client, build, "succeeded")
    page.goto(f"{server}/builds/{build}#L1")
    wait_for_lines(page, 20000)
    assert page.locator("#L15000").count() == 0  # far outside the rendered window
    page.fill("#search", "NEEDLE")
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text("1 of 1")
    expect(page.locator("#L15000 mark.current")).to_have_text("needle")
    expect(page.locator("#L15000")).to_be_in_viewport()
    page.fill("#search", "hay 1999")
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text("1 of 11")  # 1999, 19990..19999
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text("2 of 11")
    expect(page.locator("#L19990 mark.current")).to_be_in_viewport()
    page.press("#search", "Shift+Enter")
    expect(page.locator("#search-count")).to_have_text("1 of 11")
    expect(page.locator("#L1999 mark.current")).to_be_in_viewport()


def test_timestamps_show_elapsed_and_clock_time(server, worker, client, page, redis_client):
    build = start(client, "slow", LINES="3", DELAY="0.2")
    wait_for_state(redis_client, build, "succeeded")
    page.goto(f"{server}/builds/{build}")
    wait_for_lines(page, 3)
    expect(page.locator("#L1 .ts")).to_have_count(0)
    page.select_option("#timestamps", "elapsed")
    expect(page.locator("#L1 .ts")).to_have_text(re.compile(r"^00:0\d\.\d$"))
    first = page.text_content("#L1 .ts")
    expect(page.locator("#L3 .ts")).not_to_have_text(first)  # 0.4 s later
    page.select_option("#timestamps", "clock")
    expect(page.locator("#L1 .ts")).to_have_text(CLOCK)
    page.reload()  # the choice is remembered
    expect(page.locator("#L1 .ts")).to_have_text(CLOCK)


def test_cancel_then_rebuild(server, worker, page, redis_client):
    first = start_from_form(page, server, "slow", LINES="500", DELAY="0.1")
    expect(page.locator("#L1")).to_be_visible(timeout=30_000)
    page.click("#cancel")
    expect(page.locator("#state")).to_have_text("cancelled", timeout=30_000)
    expect(page.locator("#cancel")).to_be_hidden()
    assert page.title().startswith("⊘ #")
    page.click("#rebuild")
    page.wait_for_url(lambda url: not url.endswith(f"/builds/{first}"))
    second = int(page.url.rsplit("/", 1)[1])
    assert second > first
    assert sorted(page.locator(".params span").all_text_contents()) == ["DELAY=0.1", "LINES=500"]
    expect(page.locator("#L1")).to_be_visible(timeout=30_000)
    page.click("#cancel")
    expect(page.locator("#state")).to_have_text("cancelled", timeout=30_000)


def test_page_resumes_after_the_server_restarts(settings, log_dir, worker, client, page):
    """The page reconnects by itself and asks for what it lacks: every line, once."""
    first_server, url = start_server(settings, log_dir, name="server-before-restart")
    port = int(url.rsplit(":", 1)[1])
    build = start(client, "slow", LINES="400", DELAY="0.02")
    page.goto(f"{url}/builds/{build}")
    wait_for_lines(page, 50)
    first_server.stop(signal.SIGKILL)
    expect(page.locator("#connection")).to_have_text("reconnecting", timeout=30_000)
    second_server, _ = start_server(settings, log_dir, port=port, name="server-after-restart")
    try:
        expect(page.locator("#connection")).to_have_text("live", timeout=30_000)
        expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
        wait_for_lines(page, 400)
        assert_every_line_once(page, 400)
        rows = rendered_rows(page)
        assert rows == [(n, f"line {n}") for n in range(rows[0][0], 401)]
    finally:
        second_server.stop()
