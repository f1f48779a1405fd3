"""Secret parameters and variables never show: not in the log, the API, the pages."""

from __future__ import annotations

import pytest

from app import store
from app.execution import execute_build

pytestmark = pytest.mark.integration

TOKEN = "hunter2-very-secret"
DEPLOY_KEY = "deploy-key-0xDEADBEEF"


def test_secrets_are_masked_everywhere_but_reach_the_command(app, monkeypatch):
    monkeypatch.setenv("DEPLOY_KEY", DEPLOY_KEY)
    app.config["WTF_CSRF_ENABLED"] = False
    web = app.test_client()
    started = web.post("/api/builds", json={"recipe": "secret", "params": {"TOKEN": TOKEN}})
    assert started.status_code == 202
    build = started.get_json()
    assert build["params"] == {"TOKEN": "***", "NAME": "public"}
    client = app.extensions["buildtail"].redis
    web.post(f"/api/builds/{build['id']}/cancel")  # the session worker must not run it
    record = store.create_build(client, "secret", {"TOKEN": TOKEN, "NAME": "public"}, {"TOKEN"})
    done = execute_build(client, record["id"], app.extensions["buildtail"].recipes, app.config)
    assert done["state"] == "succeeded"
    lines, _ = store.read_lines(client, record["id"], 0, 10)
    assert lines == ["token is ***", "deploy key is ***", "twice: ******", "visible: public"]
    everything = b"".join([
        web.get(f"/api/builds/{record['id']}").data,
        web.get("/api/builds").data,
        web.get(f"/builds/{record['id']}").data,
        web.get(f"/builds/{record['id']}/log.txt").data,
        web.get(f"/api/builds/{record['id']}/log").data,
        web.get("/").data,
    ])
    assert TOKEN.encode() not in everything and DEPLOY_KEY.encode() not in everything
    # The worker, and a rebuild, still get the real value.
    assert store.run_params(client, record["id"])["TOKEN"] == TOKEN
    rebuilt = web.post(f"/builds/{record['id']}/rebuild")
    assert rebuilt.status_code == 303
    new_id = int(rebuilt.headers["Location"].rsplit("/", 1)[1])
    assert store.run_params(client, new_id)["TOKEN"] == TOKEN
    assert store.get_build(client, new_id)["params"]["TOKEN"] == "***"
    web.post(f"/api/builds/{new_id}/cancel")
