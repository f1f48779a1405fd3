"""Builds through the API on a real Redis and a real Celery worker process."""

import json
import os
import zlib

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from app import store
from app.execution import execute_build
from tests.support import start_server, wait_for_state, wait_until
from tests.viewer import Viewer

pytestmark = pytest.mark.integration


def start(client, recipe, **params):
    response = client.post("/api/builds", json={"recipe": recipe, "params": params})
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"] == f"/api/builds/{response.get_json()['id']}"
    return response.get_json()


def test_build_runs_to_success_with_every_line(client, worker, redis_client):
    """start → lines → succeeded, the log holding exactly what the command printed."""
    build = start(client, "lines", LINES="500")
    assert build["state"] == "queued"
    done = wait_for_state(redis_client, build["id"], "succeeded")
    assert done["exit_code"] == 0 and done["lines"] == 500
    assert set(done) == {"id", "recipe", "params", "state", "reason", "exit_code",
                         "created_at", "started_at", "finished_at", "lines", "log_crc32",
                         "annotations"}
    assert done["finished_at"].endswith("Z")
    text = client.get(f"/builds/{build['id']}/log.txt")
    assert text.content_type == "text/plain; charset=utf-8"
    assert done["log_crc32"] == zlib.crc32(text.get_data())
    assert text.get_data(as_text=True).splitlines() == [f"line {n}" for n in range(1, 501)]
    page = client.get(f"/api/builds/{build['id']}/log?after=10&limit=5").get_json()
    assert page["first"] == 11 and page["lines"] == [f"line {n}" for n in range(11, 16)]
    assert page["total"] == 500 and page["done"] is False and len(page["times"]) == 5


def test_failing_build_records_exit_code_and_stderr(client, worker, redis_client):
    build = start(client, "fail", EXIT_CODE="3")
    done = wait_for_state(redis_client, build["id"], "failed")
    assert done["exit_code"] == 3 and done["reason"] == "exit code 3"
    lines, _ = store.read_lines(redis_client, build["id"], 0, 10)
    assert "to stderr" in lines


def test_retention_ttl_is_set_when_a_build_finishes(private_app):
    """On a Redis of its own: a server's archiver would soon cut the log's time in
    Redis to an hour, which is another test's business."""
    services = private_app.extensions["buildtail"]
    redis_client = services.redis
    build = store.create_build(redis_client, "lines", {"LINES": "3"})
    done = execute_build(redis_client, build["id"], services.recipes, services.settings)
    assert done["state"] == "succeeded"
    days = 14 * 86400
    for key in (store.build_key(build["id"]), store.lines_key(build["id"])):
        assert days - 60 < redis_client.ttl(key) <= days
    assert redis_client.ttl(store.NEXT_ID) == -1
    assert redis_client.ttl(store.HISTORY) == -1


def test_cancel_kills_the_whole_process_group(client, worker, redis_client):
    build = start(client, "tree")
    first = wait_until(
        lambda: store.read_lines(redis_client, build["id"], 0, 1)[0], 30, "the pids line"
    )
    pids = [int(pid) for pid in first[0].split()[1:]]
    assert client.post(f"/api/builds/{build['id']}/cancel").status_code == 202
    wait_for_state(redis_client, build["id"], "cancelled")

    def all_gone():
        for pid in pids:
            try:
                os.kill(pid, 0)
                return False
            except ProcessLookupError:
                pass
        return True

    wait_until(all_gone, 15, "every process of the build to end")
    assert client.post(f"/api/builds/{build['id']}/cancel").status_code == 409


def test_cancelled_queued_build_never_starts(app, client, redis_client):
    """A queued build that is cancelled stays cancelled when its task arrives."""
    build = store.create_build(redis_client, "lines", {"LINES": "5"})
    assert client.post(f"/api/builds/{build['id']}/cancel").get_json()["state"] == "cancelled"
    services = app.extensions["buildtail"]
    assert execute_build(redis_client, build["id"], services.recipes, services.settings) is None
    after = store.get_build(redis_client, build["id"])
    assert after["state"] == "cancelled" and after["started_at"] is None and after["lines"] == 0


def test_a_redelivered_task_does_not_run_the_build_twice(app, redis_client):
    services = app.extensions["buildtail"]
    build = store.create_build(redis_client, "lines", {"LINES": "7"})
    first = execute_build(redis_client, build["id"], services.recipes, services.settings)
    assert first["state"] == "succeeded" and first["lines"] == 7
    assert execute_build(redis_client, build["id"], services.recipes, services.settings) is None
    assert store.line_count(redis_client, build["id"]) == 7


def test_timeout_fails_the_build(app, redis_client):
    services = app.extensions["buildtail"]
    build = store.create_build(redis_client, "sleepy", {"LINES": "100", "DELAY": "1"})
    done = execute_build(redis_client, build["id"], services.recipes, services.settings)
    assert done["state"] == "failed" and done["reason"] == "timed out"


def test_shell_metacharacters_in_parameters_are_inert(app, redis_client, settings):
    value = "$(touch pwned); echo hi && `id` | cat > x"
    services = app.extensions["buildtail"]
    build = store.create_build(redis_client, "echo", {"MESSAGE": value})
    done = execute_build(redis_client, build["id"], services.recipes, services.settings)
    lines, _ = store.read_lines(redis_client, build["id"], 0, 10)
    assert done["state"] == "succeeded"
    assert lines[0] == value and lines[2] == "files "
    assert os.listdir(settings["WORKSPACE_ROOT"]) == []  # the workspace was removed


def test_api_errors_are_json_sentences(client):
    cases = [
        (client.post("/api/builds", json={"recipe": "nope"}), 400),
        (client.post("/api/builds", json={"recipe": "lines", "params": {"X": "1"}}), 400),
        (client.post("/api/builds", json={"recipe": "lines", "params": {"LINES": "1a"}}), 400),
        (client.post("/api/builds", json=[1, 2]), 400),
        (client.post("/api/builds", data="not json", content_type="application/json"), 400),
        (client.get("/api/builds/999999999"), 404),
        (client.get("/api/builds/abc"), 404),
        (client.get("/api/builds?limit=0"), 400),
        (client.post("/api/builds", data="x" * 2_000_000, content_type="application/json"), 413),
    ]
    for response, status in cases:
        assert response.status_code == status
        assert isinstance(response.get_json()["error"], str)
    cross = client.post("/api/builds", json={"recipe": "lines"},
                        headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403


def test_form_needs_csrf_and_redirects_to_the_build(client, worker):
    page = client.get("/").get_data(as_text=True)
    assert 'name="recipe"' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post("/builds", data={"recipe": "lines", "LINES": "5"})
    assert refused.status_code == 400
    bad = client.post("/builds", data={"csrf_token": token, "recipe": "lines", "LINES": "x"})
    assert bad.status_code == 400 and "LINES must match" in bad.get_data(as_text=True)
    good = client.post("/builds", data={"csrf_token": token, "recipe": "lines", "LINES": "5"})
    assert good.status_code == 303 and good.headers["Location"].startswith("/builds/")
    assert client.get("/builds/999999999").status_code == 404
    assert client.get("/healthz").get_json() == {"redis": "ok"}


def test_newest_builds_come_first(client, redis_client):
    ids = [store.create_build(redis_client, "lines", {"LINES": "1"})["id"] for _ in range(3)]
    listed = [b["id"] for b in client.get("/api/builds?limit=3").get_json()["builds"]]
    assert listed == ids[::-1]


def test_pages_carry_a_strict_content_security_policy(client, redis_client):
    build = store.create_build(redis_client, "lines", {"LINES": "1"})
    for path in ("/", f"/builds/{build['id']}", "/login"):
        response = client.get(path, follow_redirects=True)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        html = response.get_data(as_text=True)
        assert "<script>" not in html and " on" + "click=" not in html  # no inline script
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_raw_log_follow_streams_until_the_build_finishes(server, worker, redis_client):
    """curl -N .../log.txt?follow=1 works as a tail: every line, then the end."""
    params = {"LINES": "40", "DELAY": "0.05"}
    build = requests.post(f"{server}/api/builds", json={"recipe": "slow", "params": params}).json()
    with requests.get(f"{server}/builds/{build['id']}/log.txt?follow=1", stream=True,
                      timeout=60) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        lines = response.iter_lines(decode_unicode=True)
        first = next(lines)
        assert store.get_build(redis_client, build["id"])["state"] in ("queued", "running")
        rest = list(lines)
    assert [first, *rest] == [f"line {n}" for n in range(1, 41)]
    assert store.get_build(redis_client, build["id"])["state"] == "succeeded"


def test_badge_shows_the_state_of_a_recipes_newest_build(client, worker, redis_client):
    build = client.post("/api/builds", json={"recipe": "echo", "params": {"MESSAGE": "hi"}})
    wait_for_state(redis_client, build.get_json()["id"], "succeeded")
    badge = client.get("/badge/echo.svg")
    assert badge.status_code == 200 and badge.content_type.startswith("image/svg+xml")
    svg = badge.get_data(as_text=True)
    assert "echo: succeeded" in svg and "#1a7f37" in svg
    redis_client.hdel(store.LATEST, "sleepy")  # as if it had never been built
    assert "sleepy: no builds" in client.get("/badge/sleepy.svg").get_data(as_text=True)
    assert "nope: unknown" in client.get("/badge/nope.svg").get_data(as_text=True)


def test_metrics_speak_prometheus(client, worker, redis_client):
    def samples():
        text = client.get("/metrics").get_data(as_text=True)
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    before = samples()
    build = client.post("/api/builds", json={"recipe": "lines", "params": {"LINES": "250"}})
    wait_for_state(redis_client, build.get_json()["id"], "succeeded")
    after = samples()
    lines = ("buildtail_lines_ingested_total", ())
    succeeded = ("buildtail_builds_finished_total", (("state", "succeeded"),))
    assert after[lines] - before[lines] >= 250
    assert after[succeeded] - before.get(succeeded, 0) >= 1
    for name in ("buildtail_queue_length", "buildtail_worker_leases", "buildtail_viewers",
                 "buildtail_lines_relayed_total", "buildtail_relay_lag_seconds_count"):
        assert (name, ()) in after, name
    assert ("buildtail_builds", (("state", "running"),)) in after


def test_the_server_counts_lines_relayed_to_viewers(server, worker, redis_client):
    def relayed() -> float:
        text = requests.get(f"{server}/metrics", timeout=10).text
        families = {family.name: family for family in text_string_to_metric_families(text)}
        return families["buildtail_lines_relayed"].samples[0].value

    before = relayed()
    build = requests.post(f"{server}/api/builds",
                          json={"recipe": "lines", "params": {"LINES": "120"}}).json()
    viewer = Viewer(server)
    viewer.subscribe(build["id"])
    assert viewer.finished.wait(60)
    viewer.close()
    assert relayed() - before >= 120


def test_json_logs_carry_the_build_id(settings, log_dir):
    service, url = start_server({**settings, "LOG_FORMAT": "json"}, log_dir, name="web-json")
    try:
        build = requests.post(f"{url}/api/builds",
                              json={"recipe": "lines", "params": {"LINES": "1"}}).json()
        wait_until(lambda: f"build {build['id']} queued" in service.log_text(), 10,
                   "the server to log the new build")
    finally:
        service.stop()
    entries = [json.loads(line) for line in service.log_text().splitlines() if line.strip()]
    queued = [e for e in entries if e["message"].startswith(f"build {build['id']} queued")]
    assert queued and queued[0]["build_id"] == build["id"]
    assert {"time", "level", "logger", "message"} <= set(queued[0])
