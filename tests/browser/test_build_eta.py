"""The build page of a running build, in a real Chromium against a real worker:
the ETA from the recipe's history with its progress bar, each step's time in
the last green build, the favicon following the state, the opt-in
notification when the build finishes, and the header on a phone."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from tests.browser.support import start
from tests.support import wait_for_state

pytestmark = pytest.mark.browser

RECIPE = "eta-steps"  # tests/recipes.toml: only this module starts its builds
PHONE = {"width": 390, "height": 844}
ETA = re.compile(r"^usually \d+s · (a few seconds left|about \d+s left|taking longer than usual)$")
COLOURS = {"running": "#1f6feb", "succeeded": "#1a7f37", "failed": "#cf222e"}

# Records each Notification the page makes, and still makes it.
RECORD_NOTIFICATIONS = """
window.shownNotifications = [];
const RealNotification = window.Notification;
if (RealNotification) {
  window.Notification = class extends RealNotification {
    constructor(title, options) {
      window.shownNotifications.push({ title, body: options && options.body });
      super(title, options);
    }
    static get permission() { return RealNotification.permission; }
    static requestPermission() { return RealNotification.requestPermission(); }
  };
}
"""


HISTORY: list[int] = []  # made once for the module's tests


@pytest.fixture
def history(client, redis_client) -> list[int]:
    """Three succeeded builds of the recipe: its estimate and its last green steps."""
    if not HISTORY:
        ids = [start(client, RECIPE, SLEEP="1") for _ in range(3)]
        for build in ids:
            wait_for_state(redis_client, build, "succeeded")
        HISTORY.extend(ids)
    return HISTORY


def running_build(client, redis_client, gate, **params) -> int:
    build = start(client, RECIPE, GATE=str(gate), **params)
    wait_for_state(redis_client, build, "running")
    return build


def favicon_colour(page) -> str:
    href = unquote(page.get_attribute("#favicon", "href"))
    assert href.startswith("data:image/svg+xml,")
    return re.search(r'fill="(#[0-9a-f]{6})"', href).group(1)


def test_a_running_build_shows_its_eta_and_last_green_steps(
        server, worker, client, page, redis_client, history, tmp_path):
    gate = tmp_path / "gate"
    build = running_build(client, redis_client, gate)
    assert client.get(f"/api/builds/{build}").get_json()["estimate_ms"] > 0
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#eta")).to_be_visible(timeout=30_000)
    expect(page.locator("#eta-text")).to_have_text(ETA)
    value = float(page.get_attribute("#eta-progress", "value") or "-1")
    assert 0 <= value <= 1
    assert favicon_colour(page) == COLOURS["running"]
    # Each step says how long it took in the last green build.
    expect(page.locator("#build")).to_have_attribute("data-last-green", "loaded", timeout=30_000)
    prepare = page.locator("#step-list li", has_text="Prepare")
    expect(prepare.locator(".step-last-green")).to_have_text(re.compile(r"^last green: [12]s$"))
    expect(page.locator("#step-list li", has_text="Wait").locator(".step-last-green")).to_have_text(
        "last green: 0s")
    page.screenshot(path=str(tmp_path / "eta-1280.png"), full_page=True)
    gate.touch()
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("#eta")).to_be_hidden()
    assert favicon_colour(page) == COLOURS["succeeded"]
    assert page.title().startswith("✓ #")


def test_notify_me_shows_a_notification_when_the_build_finishes(
        server, worker, client, browser, redis_client, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["notifications"], origin=server)
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    gate = tmp_path / "gate"
    build = running_build(client, redis_client, gate, EXIT="2")
    page.goto(f"{server}/builds/{build}")
    notify = page.locator("#notify")
    expect(notify).to_be_visible()
    assert page.evaluate("window.shownNotifications") == []  # nothing asked or shown on load
    notify.click()
    expect(notify).to_have_attribute("aria-pressed", "true")
    gate.touch()
    expect(page.locator("#state")).to_have_text("failed", timeout=60_000)
    page.wait_for_function("window.shownNotifications.length > 0")
    shown = page.evaluate("window.shownNotifications")
    assert len(shown) == 1
    assert shown[0]["title"] == f"#{build} {RECIPE} failed"
    assert re.fullmatch(r"failed: exit code 2 after \d+s", shown[0]["body"])
    expect(notify).to_be_hidden()
    assert favicon_colour(page) == COLOURS["failed"]
    context.close()
    assert errors == []


def test_no_notify_button_on_a_finished_build_or_without_permission(
        server, worker, client, browser, redis_client, history, tmp_path):
    def button_shown(url, init_script=None) -> bool:
        context = browser.new_context()
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.goto(url)
        expect(page.locator("#state")).not_to_have_text("queued", timeout=30_000)
        shown = page.locator("#notify").is_visible()
        context.close()
        return shown

    assert not button_shown(f"{server}/builds/{history[0]}")  # over already
    gate = tmp_path / "gate"
    running = f"{server}/builds/{running_build(client, redis_client, gate)}"
    assert button_shown(running)
    assert not button_shown(running, "delete window.Notification;")
    assert not button_shown(
        running, "Object.defineProperty(Notification, 'permission', {get: () => 'denied'});")
    gate.touch()


def test_the_build_header_with_its_eta_fits_a_phone(
        server, worker, client, page, redis_client, history, tmp_path):
    gate = tmp_path / "gate"
    build = running_build(client, redis_client, gate)
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#eta")).to_be_visible(timeout=30_000)
    expect(page.locator("#notify")).to_be_visible()
    page.screenshot(path=str(tmp_path / "eta-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    gate.touch()
    wait_for_state(redis_client, build, "succeeded")
