"""The home page in a real Chromium: the start form checks its fields, the list stays live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import start
from tests.support import wait_for_state

pytestmark = pytest.mark.browser


def test_the_form_shows_each_recipe_with_its_defaults(server, page):
    page.goto(server + "/")
    page.select_option("#recipe", "slow")
    expect(page.locator("#slow-LINES")).to_have_value("10")
    expect(page.locator("#slow-DELAY")).to_be_visible()
    expect(page.locator("#echo-MESSAGE")).to_be_hidden()
    expect(page.locator('fieldset[data-recipe="slow"] .description')).to_have_text(
        "N lines, DELAY seconds apart"
    )


def test_a_bad_value_is_refused_next_to_its_field_in_the_browser(server, page):
    page.goto(server + "/")
    page.select_option("#recipe", "slow")
    page.fill("#slow-LINES", "ten")
    page.click("#start-form button[type=submit]")
    error = page.locator("#slow-LINES-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Must match")
    expect(page.locator("#slow-LINES")).to_have_attribute("aria-invalid", "true")
    assert page.url.rstrip("/") == server.rstrip("/")  # nothing was sent
    page.fill("#slow-LINES", "12")
    expect(error).to_be_hidden()


def test_the_server_checks_again_and_answers_next_to_the_field(server, page):
    page.goto(server + "/")
    page.select_option("#recipe", "slow")
    page.fill("#slow-LINES", "ten")
    # A browser that skips the page's checks still meets the server's.
    page.eval_on_selector("#start-form", "form => HTMLFormElement.prototype.submit.call(form)")
    page.wait_for_load_state()
    error = page.locator("#slow-LINES-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("#slow-LINES")).to_have_value("ten")


def test_the_build_list_updates_live_and_loads_older_builds(
    server, worker, client, page, redis_client
):
    for _ in range(21):  # more than one page of the list
        start(client, "fail", EXIT_CODE="0")
    page.goto(server + "/")
    expect(page.locator('#builds[data-live="true"]')).to_have_count(1)  # following the news
    build = start(client, "slow", LINES="20", DELAY="0.05")
    row = page.locator(f'#builds tr[data-build-id="{build}"]')
    expect(row).to_be_visible(timeout=30_000)
    expect(page.locator("#builds tbody tr").first).to_have_attribute("data-build-id", str(build))
    wait_for_state(redis_client, build, "succeeded")
    expect(row.locator(".badge")).to_have_text("succeeded", timeout=30_000)
    shown = page.locator("#builds tbody tr").count()
    page.click("#more-builds")
    expect(page.locator("#builds tbody tr")).not_to_have_count(shown)
    ids = [int(i) for i in page.eval_on_selector_all(
        "#builds tbody tr", "rows => rows.map(r => r.dataset.buildId)")]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids))
