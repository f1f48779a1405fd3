"""Builds over time: the filtered list, a recipe's figures, estimates, who and where in line."""

from __future__ import annotations

import random
import statistics
import string

import pytest
from werkzeug.security import generate_password_hash

from app import create_app, store
from tests.support import wait_for_state

pytestmark = pytest.mark.integration

TOKEN = "history-t0ken-0123456789"
PASSWORD = "history horse battery staple"


def word() -> str:
    """Letters no other build of the session has in its parameters."""
    return "".join(random.choices(string.ascii_lowercase, k=12))


def start(client, recipe: str, headers=None, **params) -> int:
    answer = client.post("/api/builds", json={"recipe": recipe, "params": params},
                         headers=headers or {})
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()["id"]


def listed(client, **query) -> tuple[list[int], object]:
    answer = client.get("/api/builds", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    return [build["id"] for build in body["builds"]], body["next_before"]


def every_page(client, **query) -> list[int]:
    """Every id the filtered list gives, following ``next_before`` to the end."""
    ids, before = [], None
    for _ in range(1000):
        page, before = listed(client, **query, **({"before": before} if before else {}))
        ids += page
        if before is None:
            return ids
    pytest.fail("next_before never came to an end")


def test_filters_combine_and_page(client, worker, redis_client):
    tag = word()
    runs = [("history-filter-a", "alpha", "0"), ("history-filter-a", "beta", "1"),
            ("history-filter-b", "alpha", "0"), ("history-filter-a", "gamma", "0")]
    ids = {}
    for recipe, suffix, code in runs:
        ids[recipe, suffix] = start(client, recipe, WORD=tag + suffix, EXIT=code)
    for build_id in ids.values():
        wait_for_state(redis_client, build_id, store.FINISHED_STATES)
    a_alpha, a_beta = ids["history-filter-a", "alpha"], ids["history-filter-a", "beta"]
    b_alpha, a_gamma = ids["history-filter-b", "alpha"], ids["history-filter-a", "gamma"]

    mine = [a_gamma, b_alpha, a_beta, a_alpha]  # newest first
    assert listed(client, q=tag.upper(), limit=10)[0] == mine
    assert listed(client, recipe="history-filter-b")[0][0] == b_alpha
    of_a = listed(client, recipe="history-filter-a", limit=200)[0]
    assert {a_alpha, a_beta, a_gamma} <= set(of_a) and b_alpha not in of_a
    assert listed(client, recipe="history-filter-a", q=tag)[0] == [a_gamma, a_beta, a_alpha]
    assert listed(client, state="failed", q=tag)[0] == [a_beta]
    assert listed(client, recipe="history-filter-a", state="succeeded", q=tag)[0] == [
        a_gamma, a_alpha]
    assert listed(client, recipe="history-filter-b", state="failed", q=tag)[0] == []
    assert listed(client, q=tag + "ALPHA")[0] == [b_alpha, a_alpha]
    # A parameter's name is searched too.
    named = listed(client, recipe="history-filter-a", q="wOrD", limit=200)[0]
    assert {a_alpha, a_beta, a_gamma} <= set(named)
    everything = listed(client, limit=200)[0]
    assert everything == sorted(everything, reverse=True) and a_gamma in everything

    # Pages of one build each, with filters, end with a null next_before.
    assert every_page(client, q=tag, limit=1) == mine
    assert every_page(client, q=tag, state="succeeded", limit=2) == [a_gamma, b_alpha, a_alpha]
    assert every_page(client, q=tag, recipe="history-filter-a", limit=1) == [
        a_gamma, a_beta, a_alpha]
    first, next_before = listed(client, q=tag, limit=2)
    assert first == [a_gamma, b_alpha] and next_before == b_alpha


@pytest.mark.parametrize("query", [
    {"state": "done"}, {"state": "SUCCEEDED"}, {"recipe": "../etc"}, {"recipe": "a b"},
    {"q": "x" * 201}, {"before": "-1"}, {"limit": "0"},
])
def test_bad_filters_are_refused_with_a_sentence(client, query):
    answer = client.get("/api/builds", query_string=query)
    assert answer.status_code == 400
    assert " " in answer.get_json()["error"]


def test_estimate_and_stats_come_from_the_builds_that_ran(client, worker, redis_client,
                                                          tmp_path):
    recipe = "history-stats"
    empty = client.get(f"/api/recipes/{recipe}").get_json()
    assert empty["name"] == recipe and [p["name"] for p in empty["params"]] == [
        "WORD", "EXIT", "GATE"]
    assert empty["stats"] == {"builds": 0, "success_rate": None, "median_duration_ms": None,
                              "last_success": None}
    assert empty["recent"] == [] and empty["step_durations_ms"] == {}

    gate = tmp_path / "first"
    first = start(client, recipe, WORD="first", GATE=str(gate))
    running = wait_for_state(redis_client, first, "running")
    assert "estimate_ms" not in running
    assert "estimate_ms" not in client.get(f"/api/builds/{first}").get_json()
    gate.touch()
    later = [start(client, recipe, WORD="again"), start(client, recipe, WORD="broken", EXIT="3"),
             start(client, recipe, WORD="again")]
    builds = [wait_for_state(redis_client, build_id, store.FINISHED_STATES)
              for build_id in [first, *later]]
    succeeded = [build for build in builds if build["state"] == "succeeded"]
    assert [build["state"] for build in builds] == ["succeeded", "succeeded", "failed",
                                                    "succeeded"]
    durations = [store.duration_ms(b["started_at"], b["finished_at"]) for b in succeeded]
    expected = round(statistics.median(durations))

    gate = tmp_path / "last"
    last = start(client, recipe, WORD="last", GATE=str(gate))
    wait_for_state(redis_client, last, "running")
    shown = client.get(f"/api/builds/{last}").get_json()
    assert shown["estimate_ms"] == expected and 0 < expected < 60_000
    in_list = listed(client, recipe=recipe, state="running")[0]
    assert in_list == [last]
    assert client.get("/api/builds", query_string={"recipe": recipe}).get_json()[
        "builds"][0]["estimate_ms"] == expected

    figures = client.get(f"/api/recipes/{recipe}").get_json()
    assert figures["stats"] == {"builds": 5, "success_rate": 0.75,
                                "median_duration_ms": expected,
                                "last_success": succeeded[-1]["id"]}
    assert [entry["id"] for entry in figures["recent"]] == [b["id"] for b in reversed(builds)]
    newest = figures["recent"][0]
    assert newest == {"id": builds[-1]["id"], "state": "succeeded",
                      "started_at": builds[-1]["started_at"], "duration_ms": durations[-1]}
    assert list(figures["step_durations_ms"]) == ["say"]
    assert 0 <= figures["step_durations_ms"]["say"] <= durations[-1]
    gate.touch()
    finished = wait_for_state(redis_client, last, store.FINISHED_STATES)
    assert "estimate_ms" not in finished

    unknown = client.get("/api/recipes/no-such-recipe")
    assert unknown.status_code == 404 and "no-such-recipe" in unknown.get_json()["error"]


def test_who_started_it_and_the_place_in_line(settings, client, redis_client):
    assert "started_by" not in client.get(
        f"/api/builds/{start(client, 'history-parked')}").get_json()
    secured = create_app({
        **settings, "ASYNC_MODE": "threading",
        "AUTH_USERS": f"alice:{generate_password_hash(PASSWORD)}", "API_TOKENS": f"ci:{TOKEN}",
    })
    secured.config["WTF_CSRF_ENABLED"] = False
    web = secured.test_client()
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    try:
        queued = [start(web, "history-parked", bearer) for _ in range(3)]
        web.post("/login", data={"name": "alice", "password": PASSWORD, "next": "/"})
        form = web.post("/builds", data={"recipe": "history-parked", "MESSAGE": "form"})
        assert form.status_code == 303
        by_form = int(form.headers["Location"].rsplit("/", 1)[1])
        shown = [web.get(f"/api/builds/{build_id}").get_json() for build_id in queued]
        assert [build["started_by"] for build in shown] == ["ci", "ci", "ci"]
        assert web.get(f"/api/builds/{by_form}").get_json()["started_by"] == "alice"
        places = [build["queue_position"] for build in shown]
        assert places == [places[0], places[0] + 1, places[0] + 2] and places[0] >= 1

        assert web.post(f"/api/builds/{queued[0]}/cancel", headers=bearer).status_code == 202
        cancelled = web.get(f"/api/builds/{queued[0]}").get_json()
        assert cancelled["state"] == "cancelled" and "queue_position" not in cancelled
        after = [web.get(f"/api/builds/{build_id}").get_json()["queue_position"]
                 for build_id in queued[1:]]
        assert after == [places[0], places[0] + 1]
        listed_places = {build["id"]: build.get("queue_position") for build in
                         web.get("/api/builds?recipe=history-parked&state=queued&limit=200")
                         .get_json()["builds"]}
        assert listed_places[queued[1]] == places[0]
    finally:
        for build_id in store.list_builds(redis_client, 200):
            if build_id["recipe"] == "history-parked" and build_id["state"] == "queued":
                web.post(f"/api/builds/{build_id['id']}/cancel", headers=bearer)
        redis_client.delete("history-parked")  # the tasks no worker will take


def test_unknown_things_answer_in_their_own_kind(client):
    log = client.get("/builds/987654321/log.txt")
    assert log.status_code == 404 and log.mimetype == "text/plain"
    assert "987654321" in log.get_data(as_text=True) and "<" not in log.get_data(as_text=True)
    badge = client.get("/badge/no-such-recipe.svg")
    assert badge.status_code == 200 and badge.mimetype == "image/svg+xml"
    svg = badge.get_data(as_text=True)
    assert "no-such-recipe: unknown" in svg and "#6e7781" in svg
    hostile = client.get("/badge/%3Cscript%3E.svg").get_data(as_text=True)
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile


def test_a_refused_value_is_explained_by_the_parameter_description(client):
    answer = client.post("/api/builds", json={"recipe": "history-stats",
                                              "params": {"WORD": "Not A Word"}})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == (
        "the word to say: 'Not A Word' is not valid (WORD must match ^[a-z]{1,20}$)")
