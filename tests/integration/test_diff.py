"""A build's log compared with another's, through the real gevent server, with builds
run by a real worker: which build it is compared with, the hunks, the refusals."""

from __future__ import annotations

import pytest
import requests

from app import store
from tests.support import wait_for_state

pytestmark = pytest.mark.integration

FINISHED = ("succeeded", "failed", "cancelled")


def run(server: str, redis_client, recipe: str, **params: str) -> int:
    """Start a build through the API and wait for it to finish; returns its id."""
    response = requests.post(f"{server}/api/builds", json={"recipe": recipe, "params": params},
                             timeout=30)
    assert response.status_code == 202, response.text
    build_id = response.json()["id"]
    wait_for_state(redis_client, build_id, FINISHED)
    return build_id


def diff(server: str, build_id: int, **query: str) -> requests.Response:
    return requests.get(f"{server}/api/builds/{build_id}/diff", params=query, timeout=60)


@pytest.fixture(scope="module")
def history(server, worker, settings):
    """Builds of one recipe, oldest first: two green, one red, the red one asked about
    (three places changed), and a green one after it; and one of another recipe."""
    import redis

    client = redis.Redis.from_url(settings["REDIS_URL"])
    builds = {
        "older_green": run(server, client, "diff-volatile"),
        "green": run(server, client, "diff-volatile"),
        "red": run(server, client, "diff-volatile", FAIL="1"),
        "changed": run(server, client, "diff-volatile", VARIANT="1", FAIL="1"),
        "later_green": run(server, client, "diff-volatile"),
        "other_recipe": run(server, client, "echo", MESSAGE="hello"),
    }
    assert store.get_build(client, builds["green"])["state"] == "succeeded"
    return builds


def test_default_is_the_newest_earlier_success_and_three_changes_make_three_hunks(
    server, history
):
    response = diff(server, history["changed"])
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["build"] == history["changed"]
    assert answer["against"] == history["green"]  # not the red one, nor the later green one
    assert answer["identical"] is False
    assert answer["first_difference"] == {"a": 8, "b": 8}
    spans = [(h["a_first"], h["a_count"], h["b_first"], h["b_count"]) for h in answer["hunks"]]
    assert spans == [(5, 7, 5, 7), (18, 6, 18, 7), (29, 7, 30, 6)]
    assert answer["hunks_total"] == 3 and answer["truncated"] is False
    changes = [(line["op"], line["a"], line["b"], line["text"])
               for hunk in answer["hunks"] for line in hunk["lines"] if line["op"] != "="]
    assert [change[:3] for change in changes] == [
        ("-", 8, None), ("+", None, 8), ("+", None, 21), ("-", 32, None)]
    assert changes[1][3] == "step 8: error: something changed here"
    assert changes[2][3] == "an inserted line"
    # Context lines show this build's text as printed, volatile parts and all.
    context = answer["hunks"][0]["lines"][0]
    assert (context["op"], context["a"], context["b"]) == ("=", 5, 5)
    assert context["text"].startswith("step 5 request ") and "<uuid>" not in context["text"]


def test_two_green_runs_differ_only_in_volatile_text(server, history):
    answer = diff(server, history["green"], against=str(history["older_green"])).json()
    assert answer["identical"] is True
    assert answer["hunks"] == [] and answer["first_difference"] is None
    assert answer["against"] == history["older_green"]


def test_answers_about_finished_builds_are_kept_by_their_uids(app, client, history):
    path = f"/api/builds/{history['changed']}/diff?against={history['green']}"
    first, again = client.get(path), client.get(path)
    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert app.extensions["logdiff"].runs == 1
    assert client.get(path + "&context=4").status_code == 200
    assert app.extensions["logdiff"].runs == 2


def test_an_explicit_build_of_another_recipe(server, history):
    response = diff(server, history["changed"], against=str(history["other_recipe"]),
                    context="0")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["against"] == history["other_recipe"]
    assert answer["identical"] is False
    assert all(line["op"] != "=" for hunk in answer["hunks"] for line in hunk["lines"])


def test_no_earlier_success_is_a_404(server, worker, redis_client):
    lonely = run(server, redis_client, "diff-unproven")
    response = diff(server, lonely)
    assert response.status_code == 404
    assert "no earlier succeeded build" in response.json()["error"]
    page = requests.get(f"{server}/builds/{lonely}/diff", timeout=30)
    assert page.status_code == 404


@pytest.mark.parametrize(("query", "status"), [
    ({"against": "abc"}, 400), ({"against": "0"}, 400), ({"against": "-3"}, 400),
    ({"against": "9" * 40}, 400), ({"against": "99999999"}, 404), ({"context": "21"}, 400),
])
def test_bad_arguments_are_refused(server, history, query, status):
    response = diff(server, history["changed"], **query)
    assert response.status_code == status
    assert response.json()["error"]


def test_an_unknown_build_is_a_404(server, history):
    assert diff(server, 99999999).status_code == 404


def test_the_page_names_both_builds(server, history):
    page = requests.get(f"{server}/builds/{history['changed']}/diff", timeout=30)
    assert page.status_code == 200
    assert f"#{history['changed']}" in page.text and f"#{history['green']}" in page.text
    assert "(last success)" in page.text
    other = requests.get(f"{server}/builds/{history['changed']}/diff",
                         params={"against": history["other_recipe"]}, timeout=30)
    assert other.status_code == 200 and "(last success)" not in other.text
    assert requests.get(f"{server}/builds/{history['changed']}/diff",
                        params={"against": "x"}, timeout=30).status_code == 400
