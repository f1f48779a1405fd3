"""Whatever a client sends, the answer is a clear 4xx (or a build), never a 500.

hypothesis generates the requests; the app runs on the session's real Redis.
A request that happens to be valid queues a build, which is cancelled at once
(a cancelled queued build never starts).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.stalled import RawSocket
from tests.viewer import Viewer

pytestmark = pytest.mark.integration

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
RECIPE_NAMES = st.sampled_from(["lines", "slow", "echo", "fail", "nope", "", "../etc", "lines\x00"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner,
                                                                max_size=5),
    max_leaves=20,
)
params = st.dictionaries(
    st.sampled_from(["LINES", "DELAY", "MESSAGE", "EXIT_CODE", "X", "", "lines"]) | st.text(),
    json_values | st.text(alphabet="0123456789.;|&$`'\" \n", max_size=20),
    max_size=4,
)
bodies = st.one_of(
    st.fixed_dictionaries({"recipe": RECIPE_NAMES | json_values, "params": params | json_values}),
    st.fixed_dictionaries({"recipe": RECIPE_NAMES}),
    json_values,
)


def answered_clearly(client, response) -> None:
    """A 4xx with a sentence, or a queued build (cancelled here at once)."""
    assert response.status_code != 500
    if response.status_code in (202, 303):
        location = response.headers["Location"]
        build_id = location.rstrip("/").rsplit("/", 1)[1]
        assert client.post(f"/api/builds/{build_id}/cancel").status_code == 202
        return
    assert 400 <= response.status_code < 500, response.status_code


@FUZZ
@given(bodies)
def test_api_builds_answers_any_json_clearly(client, body):
    response = client.post("/api/builds", data=json.dumps(body), content_type="application/json")
    answered_clearly(client, response)
    if response.status_code >= 400:
        assert isinstance(response.get_json()["error"], str)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]))
def test_api_builds_answers_any_bytes_clearly(client, data, content_type):
    response = client.post("/api/builds", data=data, content_type=content_type)
    answered_clearly(client, response)


@FUZZ
@given(st.dictionaries(st.sampled_from(["recipe", "LINES", "DELAY", "MESSAGE"]) | st.text(),
                       st.text(max_size=300) | RECIPE_NAMES, max_size=5))
def test_the_form_answers_any_fields_clearly(app, data):
    app.config["WTF_CSRF_ENABLED"] = False  # reach the checks behind the CSRF token
    client = app.test_client()
    response = client.post("/builds", data=data)
    answered_clearly(client, response)
    if response.status_code == 400:
        assert b"field-error" in response.data


@FUZZ
@given(st.text(max_size=40), st.text(max_size=20), st.text(max_size=20))
def test_any_ids_and_query_values_get_a_clear_answer(client, build_id, after, limit):
    build_id = quote(build_id, safe="")
    paths = [
        f"/api/builds/{build_id}",
        f"/api/builds/{build_id}/log",
        f"/builds/{build_id}",
        f"/builds/{build_id}/log.txt",
    ]
    for path in paths:
        response = client.get(path, query_string={"after": after, "limit": limit})
        assert response.status_code in (200, 400, 404, 405, 308), (path, response.status_code)
    response = client.get("/api/builds", query_string={"limit": limit, "before": after})
    assert response.status_code in (200, 400)


@pytest.fixture(scope="module")
def socket_viewer(server):
    viewer = Viewer(server)
    yield viewer
    viewer.close()


@FUZZ
@given(st.sampled_from(["subscribe", "unsubscribe", "follow_builds", "unfollow_builds"]),
       json_values | st.fixed_dictionaries({"build": json_values, "after": json_values}))
def test_any_socket_payload_gets_an_answer_and_the_server_keeps_serving(
    socket_viewer, event, payload
):
    answer = socket_viewer.call(event, payload)
    assert answer is None or isinstance(answer, dict)
    if isinstance(answer, dict) and not answer.get("ok", True):
        assert isinstance(answer["error"], str) and answer["error"]
    assert socket_viewer.call("subscribe", {"build": -1, "after": 0})["ok"] is False


def test_deeply_nested_json_is_refused_not_crashed_on(server, client):
    nested = "[" * 30_000 + "]" * 30_000
    response = client.post("/api/builds", data=nested, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.get_json()["error"]
    raw = RawSocket(server)
    raw.send('42/builds,7["subscribe",' + nested + "]")
    assert b'"error":"the message is nested too deeply"' in raw.read_until(b"43/builds,7")
    raw.send('42/builds,8["subscribe",{"build":-1}')
    assert b'"error":"the message is not JSON"' in raw.read_until(b"43/builds,8")
    raw.close()
    viewer = Viewer(server)
    assert viewer.subscribe(-1)["ok"] is False
    viewer.close()
