"""The recipe page in a real Chromium, against builds a real worker ran: its
figures, one chart bar per finished build, the last builds, the badge snippet,
its start form, and no sideways scrolling on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.outcome_words import duration_words
from tests.browser.support import start
from tests.support import wait_for_state

pytestmark = pytest.mark.browser

RECIPE = "recipe-page"  # tests/recipes.toml: only this module starts its builds
PHONE = {"width": 390, "height": 844}


def finished_builds(client, redis_client, exits) -> list[dict]:
    builds = []
    for code in exits:
        build = start(client, RECIPE, EXIT=str(code))
        builds.append(wait_for_state(redis_client, build, {"succeeded", "failed"}))
    return builds


def test_the_recipe_page_shows_how_its_builds_went(server, worker, client, page, redis_client,
                                                   tmp_path):
    builds = finished_builds(client, redis_client, [0, 1, 0])
    page.goto(f"{server}/recipes/{RECIPE}")
    expect(page.locator("#recipe")).to_have_attribute("data-loaded", "true", timeout=30_000)
    expect(page.locator("h1")).to_have_text(RECIPE)
    expect(page.locator("#stat-builds")).to_have_text("3")
    expect(page.locator("#stat-success")).to_have_text("67%")
    last_success = f"/builds/{builds[2]['id']}"
    expect(page.locator("#stat-last-success a")).to_have_attribute("href", last_success)
    median = client.get(f"/api/recipes/{RECIPE}").get_json()["stats"]["median_duration_ms"]
    expect(page.locator("#stat-median")).to_have_text(duration_words(median))
    # One bar per finished build, oldest on the left, each titled with its build.
    bars = page.locator("#chart svg rect.bar")
    expect(bars).to_have_count(3)
    assert page.get_attribute("#chart svg", "aria-label").startswith("Durations of the last 3")
    assert [bars.nth(i).get_attribute("data-build") for i in range(3)] == [
        str(build["id"]) for build in builds]
    assert bars.nth(1).get_attribute("class") == "bar bar-failed"
    assert re.fullmatch(rf"#{builds[1]['id']} failed \d+s",
                        bars.nth(1).locator("title").text_content())
    links = page.locator("#recent-builds a")
    assert links.all_text_contents() == [f"#{build['id']}" for build in reversed(builds)]
    expect(page.locator("#badge-markdown")).to_have_text(f"![build]({server}/badge/{RECIPE}.svg)")
    page.screenshot(path=str(tmp_path / "recipe-1280.png"), full_page=True)
    # The form starts a build of this recipe, and of no other.
    page.fill("#param-EXIT", "3")
    page.click("#start")
    page.wait_for_url(re.compile(r"/builds/\d+$"))
    started = int(page.url.rsplit("/", 1)[1])
    assert started > builds[-1]["id"]
    build = client.get(f"/api/builds/{started}").get_json()
    assert (build["recipe"], build["params"]["EXIT"]) == (RECIPE, "3")
    # The build page's header leads back to the recipe.
    page.click("#recipe-link")
    page.wait_for_url(f"{server}/recipes/{RECIPE}")


def test_an_unknown_recipe_is_a_404_page(server, page):
    response = page.goto(f"{server}/recipes/no-such-recipe")
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("There is no recipe 'no-such-recipe'")


def test_the_recipe_page_fits_a_phone(server, worker, client, page, redis_client, tmp_path):
    finished_builds(client, redis_client, [0])
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/recipes/{RECIPE}")
    expect(page.locator("#recipe")).to_have_attribute("data-loaded", "true", timeout=30_000)
    page.screenshot(path=str(tmp_path / "recipe-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("#chart svg")).to_be_visible()
