"""The pure parts of builds over time: matching, figures, medians, refusals."""

from __future__ import annotations

from pathlib import Path

from app import store
from app.history import matches, step_durations, summarize
from app.recipes import parse_recipes


def build(build_id, state, started="2026-01-01T00:00:00.000Z",
          finished="2026-01-01T00:00:01.500Z", **params):
    return {"id": build_id, "state": state, "started_at": started, "finished_at": finished,
            "params": params}


def test_text_matches_names_and_values_in_any_case_but_never_secrets():
    shown = build(1, "failed", BRANCH="Main", TOKEN="***")
    assert matches(shown, None, "main") and matches(shown, None, "bRaNcH")
    assert matches(shown, "failed", "") and not matches(shown, "succeeded", "main")
    assert not matches(shown, None, "*") and matches(shown, None, "tok")


def test_median_and_durations():
    assert store.median([]) is None and store.median([5]) == 5
    assert store.median([9, 1, 5]) == 5 and store.median([1, 2, 4, 10]) == 3
    assert store.duration_ms("2026-01-01T00:00:00.000Z", "2026-01-01T00:01:00.250Z") == 60_250
    assert store.duration_ms(None, "2026-01-01T00:00:00.000Z") is None
    assert store.duration_ms("garbage", "2026-01-01T00:00:00.000Z") is None


def test_summary_of_a_recipes_builds_newest_first():
    builds = [build(5, "running", finished=None),
              build(4, "succeeded", finished="2026-01-01T00:00:03.000Z"),
              build(3, "failed"), build(2, "cancelled"),
              build(1, "succeeded", finished="2026-01-01T00:00:01.000Z")]
    figures = summarize(builds)
    assert figures["stats"] == {"builds": 5, "success_rate": 0.5,
                                "median_duration_ms": 2000, "last_success": 4}
    assert [entry["id"] for entry in figures["recent"]] == [4, 3, 2, 1]
    assert figures["recent"][0] == {"id": 4, "state": "succeeded", "duration_ms": 3000,
                                    "started_at": "2026-01-01T00:00:00.000Z"}
    assert summarize([])["stats"] == {"builds": 0, "success_rate": None,
                                      "median_duration_ms": None, "last_success": None}


def test_step_durations_keep_the_first_step_of_a_title_and_skip_open_ones():
    steps = [{"title": "build", "started_at": "2026-01-01T00:00:00.000Z",
              "finished_at": "2026-01-01T00:00:02.000Z"},
             {"title": "build", "started_at": "2026-01-01T00:00:00.000Z",
              "finished_at": "2026-01-01T00:00:09.000Z"},
             {"title": "open", "started_at": "2026-01-01T00:00:00.000Z", "finished_at": None}]
    assert step_durations(steps) == {"build": 2000}


RECIPES = """
[recipes.deploy]
command = ["true"]
[recipes.deploy.params.LINES]
description = "how many lines"
pattern = '^[0-9]{1,6}$'
default = "1"
[recipes.deploy.params.KEY]
pattern = '^[a-z]{4}$'
default = "abcd"
secret = true
"""


def test_a_refusal_speaks_of_the_description_and_never_repeats_a_secret():
    recipe = parse_recipes(RECIPES, Path(".")).get("deploy")
    assert recipe.params["LINES"].refusal("12a") == (
        "how many lines: '12a' is not valid (LINES must match ^[0-9]{1,6}$)")
    assert recipe.params["KEY"].refusal("hunter2") == (
        "KEY: this value is not valid (KEY must match ^[a-z]{4}$)")
    assert "\u2026" in recipe.params["LINES"].refusal("9" * 100)
