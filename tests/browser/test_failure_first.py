"""The build page takes the reader to why a build broke, in a real Chromium: the
Problems panel and gutter marks filling live, the step list, a failed build
opening at its first error, error-to-error keys, the status row, wrapping."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import start, wait_for_lines
from tests.support import wait_for_state

pytestmark = pytest.mark.browser

LINES = 17  # tests/scripts/page_failure.py with no extra warnings
FIRST_ERROR, SECOND_ERROR = 9, 14  # in the collapsed "Compile" and "Run tests" steps
STATUS = re.compile(r"^failed: exit code 2 after \d+s$")


def failed_build(client, redis_client, **params) -> int:
    build = start(client, "page-failure", DELAY="0", **params)
    wait_for_state(redis_client, build, "failed")
    return build


SELECTED = re.compile(r"\bselected\b")


def selected(page) -> list[int]:
    """The line numbers of the highlighted rows."""
    return page.eval_on_selector_all(
        "#log .line.selected .ln", "links => links.map(a => Number(a.dataset.n))")


def test_annotations_and_steps_arrive_live(server, worker, client, page, redis_client):
    build = start(client, "page-failure", DELAY="0.6")
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#count-warning")).to_have_text("1 warning", timeout=30_000)
    assert page.text_content("#state") == "running"
    expect(page.locator("#count-error")).to_have_text("0 errors")
    # The warning's line sits in an expanded step: its gutter mark shows at once.
    mark = page.locator("#L5 .mark.mark-warning")
    expect(mark).to_have_attribute("title", "warning: unused variable 'x'")
    expect(page.locator("#L5")).to_have_class(re.compile(r"\bannotated-warning\b"))
    # The open step counts up while it runs.
    building = page.locator("#step-list li.running", has_text="Build")
    expect(building).to_be_visible()
    ticking = building.locator(".step-duration")
    expect(ticking).not_to_have_text(ticking.text_content(), timeout=10_000)
    expect(page.locator("#count-error")).to_have_text("1 error", timeout=30_000)
    assert page.text_content("#state") == "running"
    expect(page.locator("#count-error")).to_have_text("2 errors", timeout=30_000)
    expect(page.locator("#state")).to_have_text("failed", timeout=60_000)
    expect(page.locator("#count-notice")).to_have_text("1 notice")
    levels = page.locator("#problem-list .level").all_text_contents()
    assert levels == ["notice", "warning", "error", "error"]
    where = page.locator("#problem-list li").nth(2)
    expect(where.locator(".problem-title")).to_have_text("Type error")
    expect(where.locator(".problem-message")).to_have_text("expected int, got str")
    expect(where.locator(".problem-place")).to_have_text("src/util.c:12:5")
    expect(where.locator(".problem-line")).to_have_text(f"L{FIRST_ERROR}")
    # Watched live, the page stays at the end: it moves only when it opens.
    expect(page.locator("#log-status")).to_have_text(STATUS)


def test_a_failed_build_opens_at_its_first_error(server, worker, client, page, redis_client):
    build = failed_build(client, redis_client)
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#build")).to_have_attribute("data-opened", "first-error", timeout=30_000)
    error = page.locator(f"#L{FIRST_ERROR}")
    expect(error).to_have_class(SELECTED)
    expect(error).to_be_in_viewport()
    expect(page.locator("#L6 .fold")).to_have_attribute("aria-expanded", "true")  # its step opened
    expect(page.locator("#L11 .fold")).to_have_attribute("aria-expanded", "false")  # the next not
    expect(error.locator(".mark.mark-error")).to_have_attribute(
        "title", "error: Type error: expected int, got str")
    assert "#" not in page.url
    # The last row says how it ended, and so does the header, in the same words.
    status = page.locator("#log-status")
    expect(status).to_have_text(STATUS)
    expect(page.locator("#result")).to_have_text(status.text_content())
    # It is not a log line: not counted, not linked, not found by search.
    wait_for_lines(page, LINES)
    assert page.get_attribute("#build", "data-lines") == str(LINES)
    assert status.locator(".ln").count() == 0
    assert status.evaluate("el => getComputedStyle(el).userSelect") == "none"
    page.fill("#search", "exit code")
    page.press("#search", "Enter")
    expect(page.locator("#search-count")).to_have_text("no matches")


def test_e_and_shift_e_go_from_error_to_error(server, worker, client, page, redis_client):
    build = failed_build(client, redis_client)
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#build")).to_have_attribute("data-opened", "first-error", timeout=30_000)
    page.locator("#log").focus()
    page.keyboard.press("e")
    expect(page.locator(f"#L{SECOND_ERROR}")).to_have_class(SELECTED)
    expect(page.locator("#L11 .fold")).to_have_attribute("aria-expanded", "true")
    assert page.url.endswith(f"#L{SECOND_ERROR}")
    page.keyboard.press("e")  # past the last error: back to the first
    expect(page.locator(f"#L{FIRST_ERROR}")).to_have_class(SELECTED)
    page.keyboard.press("Shift+E")
    expect(page.locator(f"#L{SECOND_ERROR}")).to_have_class(SELECTED)
    assert selected(page) == [SECOND_ERROR]
    # Typed into the search box, "e" is only a letter.
    page.click("#search")
    page.keyboard.press("e")
    expect(page.locator("#search")).to_have_value("e")
    assert page.url.endswith(f"#L{SECOND_ERROR}")


def test_a_line_link_wins_over_the_first_error(server, worker, client, page, redis_client):
    build = failed_build(client, redis_client)
    page.goto(f"{server}/builds/{build}#L{SECOND_ERROR}")
    expect(page.locator(f"#L{SECOND_ERROR}")).to_have_class(SELECTED, timeout=30_000)
    expect(page.locator("#L6 .fold")).to_have_attribute("aria-expanded", "false")
    assert selected(page) == [SECOND_ERROR]


def test_problems_list_pages_jumps_and_filters(server, worker, client, page, redis_client):
    build = failed_build(client, redis_client, WARNINGS="4500")  # three pages of the API
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#count-warning")).to_have_text("4,501 warnings", timeout=30_000)
    expect(page.locator("#count-error")).to_have_text("2 errors")
    items = page.locator("#problem-list li")
    expect(items).to_have_count(200)  # never all of them at once
    more = page.locator("#problems-more")
    expect(more).to_have_text("Show 200 more (4,304 not shown)")
    more.click()
    expect(items).to_have_count(400)
    expect(page.locator("#build")).to_have_attribute("data-annotations", "4504")
    page.locator(f"#problem-list button[data-line='{SECOND_ERROR}']").click()
    expect(page.locator(f"#L{SECOND_ERROR}")).to_have_class(SELECTED)
    expect(page.locator(f"#L{SECOND_ERROR}")).to_be_in_viewport()
    assert page.url.endswith(f"#L{SECOND_ERROR}")
    page.click("#count-error")
    expect(items).to_have_count(2)
    expect(page.locator("#count-error")).to_have_attribute("aria-pressed", "true")
    expect(more).to_be_hidden()
    page.click("#count-error")
    expect(items).to_have_count(200)


def test_step_list_durations_and_error_marks(server, worker, client, page, redis_client):
    build = start(client, "page-failure", DELAY="0.3")
    wait_for_state(redis_client, build, "failed")
    page.goto(f"{server}/builds/{build}")
    steps = page.locator("#step-list li")
    expect(steps).to_have_count(4, timeout=30_000)
    titles = steps.locator(".step-title").all_text_contents()
    assert titles == ["Set up", "Build", "Compile", "Run tests"]
    assert steps.locator(".step-errors").all_text_contents() == ["2", "1", "1"]  # nested ones count
    expect(steps.nth(0)).not_to_have_class(re.compile(r"has-errors"))
    for duration in steps.locator(".step-duration").all_text_contents():
        assert re.fullmatch(r"\d+s", duration), duration
    compile_seconds = int(steps.nth(2).locator(".step-duration").text_content()[:-1])
    assert compile_seconds >= 1  # four lines 0.3 s apart
    assert page.locator("#step-list li.running").count() == 0
    steps.nth(3).locator("button").click()
    header = page.locator("#L11")
    expect(header).to_have_class(SELECTED)
    expect(header.locator(".fold")).to_have_text("Run tests")  # GitLab's header, no escapes
    expect(header.locator(".group-meta")).to_contain_text("1 error")


def box(page, line: int) -> dict:
    """Where line ``line``'s row is now (rows are rebuilt as the page changes)."""
    return page.evaluate(
        "n => { const r = document.getElementById('L' + n).getBoundingClientRect();"
        " return {y: r.y, height: r.height}; }", line)


def open_at_first_error(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#build")).to_have_attribute("data-opened", "first-error", timeout=30_000)
    expect(page.locator("#L16")).to_be_visible()


def test_wrapping_long_lines_is_remembered(server, worker, client, page, redis_client):
    build = failed_build(client, redis_client)
    open_at_first_error(page, f"{server}/builds/{build}")
    row = box(page, 16)["height"]
    log = page.locator("#log")
    assert log.evaluate("el => el.scrollWidth > el.clientWidth")
    page.click("#wrap")
    expect(page.locator("#wrap")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        "() => document.getElementById('L16').getBoundingClientRect().height > 30")
    assert log.evaluate("el => el.scrollWidth <= el.clientWidth")
    page.select_option("#timestamps", "elapsed")
    open_at_first_error(page, f"{server}/builds/{build}")
    expect(page.locator("#wrap")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#timestamps")).to_have_value("elapsed")
    wrapped = box(page, 16)
    assert wrapped["height"] > row * 1.5
    # The next line starts where the wrapped one ends.
    assert abs(box(page, 17)["y"] - (wrapped["y"] + wrapped["height"])) < 1
    page.click("#wrap")
    open_at_first_error(page, f"{server}/builds/{build}")
    expect(page.locator("#wrap")).to_have_attribute("aria-pressed", "false")
    assert box(page, 16)["height"] == row


def test_a_progress_bar_shows_live_until_its_line_arrives(server, worker, client, page, tmp_path):
    gate = tmp_path / "gate"
    build = start(client, "partial-progress", STEPS="10", DELAY="0.05", GATE=str(gate))
    page.goto(f"{server}/builds/{build}")
    pending = page.locator("#log .log-partial")
    expect(pending.locator(".text")).to_contain_text("progress  50%", timeout=30_000)
    expect(pending).to_have_attribute("data-n", "2")
    assert page.get_attribute("#build", "data-lines") == "1"
    assert page.locator("#L2").count() == 0
    gate.touch()
    expect(page.locator("#L2 .text")).to_have_text("progress 100%", timeout=30_000)
    expect(pending).to_have_count(0)
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)



def test_a_stopped_build_says_how_in_words(server, worker, client, page, redis_client):
    """Cancelled or timed out, the command died of SIGTERM: the page names it."""
    cancelled = start(client, "slow", LINES="600", DELAY="0.05")
    timed_out = start(client, "sleepy")
    page.goto(f"{server}/builds/{cancelled}")
    wait_for_lines(page, 5)
    client.post(f"/api/builds/{cancelled}/cancel")
    expect(page.locator("#log-status")).to_have_text(
        re.compile(r"^cancelled \(SIGTERM\) after \d+s$"), timeout=30_000)
    expect(page.locator("#result")).to_have_text(page.locator("#log-status").text_content())
    wait_for_state(redis_client, timed_out, "failed")
    page.goto(f"{server}/builds/{timed_out}")
    expect(page.locator("#log-status")).to_have_text(re.compile(r"^timed out after \d+s$"))
    expect(page.locator("#result")).to_have_text(page.locator("#log-status").text_content())
    expect(page.locator("#build")).to_have_attribute("data-opened", "end")  # no error to open at
    assert "-15" not in page.text_content("#build")

def test_compare_with_the_last_success(server, worker, client, page, redis_client):
    good = start(client, "page-failure", DELAY="0", EXIT_CODE="0")
    wait_for_state(redis_client, good, "succeeded")
    bad = failed_build(client, redis_client)
    page.goto(f"{server}/builds/{bad}")
    link = page.locator("#compare")
    expect(link).to_have_text(f"Compare with #{good} (last success)")
    expect(link).to_have_attribute("href", f"/builds/{bad}/diff")
    page.goto(f"{server}/builds/{good}")
    expect(page.locator("#log-status")).to_have_text(re.compile(r"^succeeded after \d+s$"))
    assert page.locator("#compare").count() == 0  # no earlier success, or this one itself
