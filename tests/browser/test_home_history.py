"""The home page's build list in a real Chromium: filters kept in the page's URL,
live news only when it matches them, times in words, places in the queue, and a
phone-sized screen that never scrolls sideways."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app import store
from tests.browser.support import start
from tests.support import wait_for_state

pytestmark = pytest.mark.browser

# Where the screenshots are kept for a person to look at.
SHOTS = Path("/tmp/buildtail-shots")


def token() -> str:
    """A value no other test's build carries, to filter on."""
    return "hist" + uuid.uuid4().hex[:10]


def row(page, build_id):
    return page.locator(f'#builds tr[data-build-id="{build_id}"]')


def open_list(page, url: str) -> None:
    """The home page at ``url``, once its list follows the live news."""
    page.goto(url)
    expect(page.locator('#builds[data-live="true"]')).to_have_count(1)


def shown_ids(page) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all(
        "#builds tbody tr", "rows => rows.map(r => r.dataset.buildId)")]


def test_filters_in_the_url_choose_the_builds_and_times_read_as_words(
    server, worker, client, page, redis_client
):
    mark = token()
    failed = start(client, "fail", EXIT_CODE="3")
    passed = start(client, "echo", MESSAGE=mark)
    wanted = start(client, "echo", MESSAGE=mark + "-again")
    for build in (failed, passed, wanted):
        wait_for_state(redis_client, build, store.FINISHED_STATES)
    open_list(page, f"{server}/?recipe=echo&state=succeeded&q={mark.upper()}")
    expect(row(page, wanted)).to_be_visible()
    assert shown_ids(page) == [wanted, passed]
    expect(page.locator("#filter-recipe")).to_have_value("echo")
    expect(page.locator("#filter-state")).to_have_value("succeeded")
    expect(page.locator("#filter-q")).to_have_value(mark.upper())
    time = row(page, wanted).locator("time")
    expect(time).to_have_text(re.compile(r"^(just now|\d+ min ago)$"))
    assert time.get_attribute("title") and time.get_attribute("datetime").endswith("Z")
    expect(row(page, wanted).locator(".duration > span")).to_have_text(re.compile(r"^\d+s$"))
    expect(row(page, wanted).locator(".wait")).to_have_text(re.compile(r"^waited \d+s$"))
    expect(row(page, wanted).locator(".outcome")).to_have_text(re.compile(r"^succeeded after"))
    expect(row(page, wanted).locator("button.rebuild")).to_be_visible()

    page.goto(f"{server}/?recipe=fail&state=failed")
    expect(row(page, failed).locator(".outcome")).to_have_text(
        re.compile(r"^failed: exit code 3 after \d+s$"))
    assert all(page.eval_on_selector_all(
        "#builds tbody .badge", "badges => badges.map(b => b.textContent === 'failed')"))


def test_changing_a_filter_changes_the_url_and_the_list(server, worker, client, page, redis_client):
    mark = token()
    first = start(client, "echo", MESSAGE=mark)
    other = start(client, "fail", EXIT_CODE="1")
    for build in (first, other):
        wait_for_state(redis_client, build, store.FINISHED_STATES)
    page.goto(server + "/")
    expect(row(page, other)).to_be_visible()
    page.fill("#filter-q", mark)
    page.press("#filter-q", "Enter")
    expect(page).to_have_url(re.compile(rf"\?q={mark}$"))
    expect(page.locator("#builds tbody tr")).to_have_count(1)
    expect(row(page, first)).to_be_visible()
    page.select_option("#filter-state", "failed")
    expect(page).to_have_url(re.compile(rf"\?state=failed&q={mark}$"))
    expect(page.locator("#no-builds")).to_have_text("No builds match these filters.")
    expect(page.locator("#builds tbody tr")).to_have_count(0)
    page.go_back()
    expect(row(page, first)).to_be_visible()
    expect(page.locator("#filter-state")).to_have_value("")
    page.reload()  # the filtered view survives a reload
    expect(page.locator("#builds tbody tr")).to_have_count(1)
    expect(page.locator("#filter-q")).to_have_value(mark)


def test_live_news_arrives_into_a_filtered_list_only_when_it_matches(
    server, worker, client, page, redis_client
):
    mark = token()
    open_list(page, f"{server}/?recipe=echo&q={mark}")
    expect(page.locator("#no-builds")).to_be_visible()
    elsewhere = start(client, "echo", MESSAGE="nothing-to-see")
    other_recipe = start(client, "fail", EXIT_CODE="0")
    for build in (elsewhere, other_recipe):
        wait_for_state(redis_client, build, store.FINISHED_STATES)
    matching = start(client, "echo", MESSAGE="x-" + mark.upper())
    expect(row(page, matching).locator(".badge")).to_have_text("succeeded", timeout=30_000)
    # The news of the two others went out before this one's: had they been let in, they
    # would show by now.
    assert shown_ids(page) == [matching]


def test_a_queued_build_shows_its_place_and_moves_up(server, client, page, redis_client):
    """history-parked goes to a queue no worker reads: its builds wait in line."""
    open_list(page, server + "/?recipe=history-parked&state=queued")
    ahead = start(client, "history-parked", MESSAGE="ahead")
    behind = start(client, "history-parked", MESSAGE="behind")
    try:
        place = row(page, ahead).locator(".outcome")
        expect(place).to_have_text(re.compile(r"^#\d+ in queue$"))
        first = int(re.search(r"\d+", place.text_content()).group())
        expect(row(page, behind).locator(".outcome")).to_have_text(f"#{first + 1} in queue")
        expect(row(page, behind).locator(".duration > span")).to_have_text("—")
        assert client.post(f"/api/builds/{ahead}/cancel").status_code == 202
        expect(row(page, ahead)).to_have_count(0)  # no longer queued: out of this list
        expect(row(page, behind).locator(".outcome")).to_have_text(f"#{first} in queue")
    finally:
        for build in (ahead, behind):
            client.post(f"/api/builds/{build}/cancel")
        redis_client.delete("history-parked")  # the tasks no worker will take


def test_the_list_at_desktop_and_phone_widths(server, worker, client, page, redis_client):
    SHOTS.mkdir(exist_ok=True)
    running = start(client, "slow", LINES="400", DELAY="0.05")
    done = start(client, "fail", EXIT_CODE="2")
    wait_for_state(redis_client, done, store.FINISHED_STATES)
    wait_for_state(redis_client, running, "running")
    open_list(page, server + "/")
    duration = row(page, running).locator(".duration > span")
    expect(duration).to_have_text(re.compile(r"^\d+s$"))
    before = duration.text_content()
    expect(duration).not_to_have_text(before, timeout=10_000)  # it counts while it runs
    page.screenshot(path=str(SHOTS / "home-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    open_list(page, page.url)
    expect(row(page, done)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = row(page, done)
    assert card.evaluate("r => getComputedStyle(r).display") == "block"  # a card, not a row
    assert card.bounding_box()["width"] <= 390
    page.screenshot(path=str(SHOTS / "home-390.png"), full_page=True)
    page.locator("#build-filters").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "home-390-screen.png"))
    client.post(f"/api/builds/{running}/cancel")
