"""The pages in a real Chromium: start from the form, watch live, reload, stay text."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def log_numbers(page) -> list[int]:
    return page.eval_on_selector_all("#log .line", "rows => rows.map(r => Number(r.dataset.n))")


def test_start_from_the_form_watch_live_and_reload(server, worker, page):
    page.goto(server + "/")
    page.select_option("#recipe", "slow")
    page.fill("#slow-LINES", "60")
    page.fill("#slow-DELAY", "0.05")
    page.click("button[type=submit]")
    page.wait_for_url("**/builds/*")
    expect(page.locator("#log .line").first).to_have_text("line 1", timeout=30_000)
    page.reload()
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('#log .line').length >= 60")
    assert log_numbers(page) == list(range(1, 61))
    assert page.title().startswith("✓")


def test_html_in_a_log_line_stays_text(server, worker, page):
    page.goto(server + "/")
    page.select_option("#recipe", "echo")
    page.fill("#echo-MESSAGE", "<img src=x onerror=alert(1)>")
    page.click("button[type=submit]")
    page.wait_for_url("**/builds/*")
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#log .line").first).to_have_text("<img src=x onerror=alert(1)>")
    assert page.locator("#log img").count() == 0
