"""The comparison page in a real Chromium: the hunks, links into both logs, and the
jump to the first difference."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.support import wait_for_state

pytestmark = pytest.mark.browser


def run(server: str, redis_client, **params: str) -> int:
    response = requests.post(f"{server}/api/builds",
                             json={"recipe": "diff-volatile", "params": params}, timeout=30)
    assert response.status_code == 202, response.text
    build_id = response.json()["id"]
    wait_for_state(redis_client, build_id, ("succeeded", "failed"))
    return build_id


def test_the_page_shows_the_hunks_links_both_logs_and_jumps_to_the_first_difference(
    server, worker, page, redis_client
):
    green = run(server, redis_client)
    changed = run(server, redis_client, VARIANT="1", FAIL="1")
    page.set_viewport_size({"width": 1000, "height": 320})
    page.goto(f"{server}/builds/{changed}/diff")
    expect(page.locator("h1")).to_have_text(f"#{changed} compared with #{green} (last success)")
    expect(page.locator("#diff-summary")).to_have_text("3 differences between 40 and 40 lines.")
    expect(page.locator(".hunk")).to_have_count(3)
    removed, added = page.locator(".diff-line.removed"), page.locator(".diff-line.added")
    expect(removed).to_have_count(2)
    expect(added).to_have_count(2)
    expect(added.first.locator(".text")).to_have_text("step 8: error: something changed here")
    # Each changed line links to its line in its own build's log.
    expect(removed.first.locator("a.ln")).to_have_attribute("href", f"/builds/{green}#L8")
    expect(added.nth(1).locator("a.ln")).to_have_attribute("href", f"/builds/{changed}#L21")
    context = page.locator(".diff-line.same").first.locator("a.ln")
    expect(context).to_have_count(2)
    expect(context.nth(0)).to_have_attribute("href", f"/builds/{green}#L5")
    expect(context.nth(1)).to_have_attribute("href", f"/builds/{changed}#L5")

    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    first = page.locator("#first-difference")
    expect(first).not_to_be_in_viewport()
    page.locator("#jump-first").click()
    expect(first).to_be_in_viewport()
    expect(first).to_have_class("diff-line removed target")
    expect(first.locator("a.ln")).to_be_focused()

    added.first.locator("a.ln").click()
    page.wait_for_url(f"**/builds/{changed}#L8")
