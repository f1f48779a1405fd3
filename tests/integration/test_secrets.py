"""Secret parameters and variables never show: not in the log, the API, the pages."""

from __future__ import annotations

import base64
import html
import re

import pytest
import requests

from app import store
from app.execution import execute_build
from tests.support import wait_for_state

pytestmark = pytest.mark.integration

TOKEN = "hunter2-very-secret"
DEPLOY_KEY = "deploy-key-0xDEADBEEF"
# tests/recipes.toml's "leaky" recipe: its secret TOKEN's default, and what it prints.
LEAKY_DEFAULT = "default-Token-4242"
LEAKED = "Leaked-Token_0123456789"


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
    done = execute_build(client, record["id"], app.extensions["buildtail"].recipes,
                         app.extensions["buildtail"].settings)
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


def form_field(page: str, field_id: str) -> str:
    return re.search(rf'<input id="{field_id}"[^>]*>', page).group(0)


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error"\s*([^>]*)>([^<]*)</p>', page)
    assert "hidden" not in found.group(1), f"{field_id} shows no error"
    return html.unescape(found.group(2))


def test_a_secret_default_and_a_typed_secret_never_reach_a_page(server, worker, redis_client):
    recipes = requests.get(server + "/api/recipes", timeout=10)
    assert LEAKY_DEFAULT not in recipes.text
    [leaky] = [recipe for recipe in recipes.json()["recipes"] if recipe["name"] == "leaky"]
    params = {param["name"]: param for param in leaky["params"]}
    assert params["TOKEN"]["default"] is None and params["TOKEN"]["has_default"] is True
    assert params["NAME"]["default"] == "public"

    web = requests.Session()
    home = web.get(server + "/?recipe=leaky", timeout=10).text
    assert LEAKY_DEFAULT not in home
    field = form_field(home, "leaky-TOKEN")
    assert 'type="password"' in field and 'autocomplete="off"' in field
    assert "value=" not in field and "required" not in field  # empty keeps the default
    assert "value=" not in form_field(home, "secret-TOKEN") and "required" in form_field(
        home, "secret-TOKEN")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)

    def submit(**fields) -> requests.Response:
        return web.post(server + "/builds", data={"csrf_token": csrf, "recipe": "leaky", **fields},
                        allow_redirects=False, timeout=10)

    # Another field is refused: the typed secret does not come back.
    refused = submit(TOKEN=LEAKED, NAME="Not Valid")
    assert refused.status_code == 400
    assert LEAKED not in refused.text and LEAKY_DEFAULT not in refused.text
    assert "NAME must match" in field_error(refused.text, "leaky-NAME")
    assert "value=" not in form_field(refused.text, "leaky-TOKEN")
    assert 'value="Not Valid"' in form_field(refused.text, "leaky-NAME")
    # The secret itself is refused: its message is next to it, its value is not.
    typo = "typo-in-" + LEAKED + "!"
    refused = submit(TOKEN=typo, NAME="public")
    assert refused.status_code == 400
    assert typo not in refused.text and LEAKED not in refused.text
    assert "TOKEN must match" in field_error(refused.text, "leaky-TOKEN")
    assert "value=" not in form_field(refused.text, "leaky-TOKEN")

    # Left empty, the secret keeps its default, and a rebuild reuses the real value.
    started = submit(TOKEN="", NAME="public")
    assert started.status_code == 303
    first = int(started.headers["Location"].rsplit("/", 1)[1])
    assert store.run_params(redis_client, first)["TOKEN"] == LEAKY_DEFAULT
    rebuilt = web.post(f"{server}/builds/{first}/rebuild", data={"csrf_token": csrf},
                       allow_redirects=False, timeout=10)
    assert rebuilt.status_code == 303
    second = int(rebuilt.headers["Location"].rsplit("/", 1)[1])
    assert store.run_params(redis_client, second)["TOKEN"] == LEAKY_DEFAULT
    for build_id in (first, second):
        assert wait_for_state(redis_client, build_id, store.FINISHED_STATES)["state"] == "succeeded"
        log = web.get(f"{server}/builds/{build_id}/log.txt", timeout=10).text
        assert "plain: ***" in log and LEAKY_DEFAULT not in log


def base64_run_masked(prefix: bytes, secret: bytes) -> str:
    """A Basic credential with the characters that encode ``secret`` alone masked."""
    blob = base64.b64encode(prefix + secret + b"@host").decode()
    first, end = -(-8 * len(prefix) // 6), 8 * (len(prefix) + len(secret)) // 6
    return "basic: " + blob[:first] + "***" + blob[end:]


def test_copies_of_a_secret_are_masked_by_a_real_worker(server, worker, redis_client):
    started = requests.post(server + "/api/builds", timeout=10,
                            json={"recipe": "leaky", "params": {"TOKEN": LEAKED}})
    assert started.status_code == 202
    build_id = started.json()["id"]
    assert wait_for_state(redis_client, build_id, store.FINISHED_STATES)["state"] == "succeeded"
    expected = [
        "plain: ***",
        "coloured: ***",  # the colour split the secret: the line loses its escapes
        "erased: ***",
        "upper: ***",
        "lower: ***",
        "base64: ***",
        "echoed: ***",
        "url-safe: ***",
        base64_run_masked(b"u:", LEAKED.encode()),
        base64_run_masked(b"us:", LEAKED.encode()),
        base64_run_masked(b"usr:", LEAKED.encode()),
        "\x1b[32mgreen\x1b[0m stays green, by public",
    ]
    stored, _ = store.read_lines(redis_client, build_id, 0, 100)
    assert stored == expected
    served = requests.get(f"{server}/api/builds/{build_id}/log", timeout=10).json()["lines"]
    assert served == expected
    raw = requests.get(f"{server}/builds/{build_id}/log.txt", timeout=10).text
    assert raw == "\n".join(expected) + "\n"
    # What the page, its search and `builds tail` show once they drop escapes.
    shown = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", "", raw)
    encoded = base64.b64encode(LEAKED.encode()).decode()
    for copy in (LEAKED, LEAKED.upper(), LEAKED.lower(), encoded):
        assert copy not in shown
