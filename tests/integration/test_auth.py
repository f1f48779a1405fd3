"""Authentication: who may start and cancel builds, and who may watch."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
import socketio
from werkzeug.security import generate_password_hash

from app import create_app
from app.settings import ConfigError, check_listening, load_settings
from tests.support import start_server
from tests.viewer import Viewer

pytestmark = pytest.mark.integration

TOKEN = "t0ken-for-the-tests-0123456789"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def password_hash():
    return generate_password_hash(PASSWORD)


def secured_app(settings, password_hash, **extra):
    app = create_app({
        **settings, "ASYNC_MODE": "threading",
        "AUTH_USERS": f"alice:{password_hash}", "API_TOKENS": f"ci:{TOKEN}", **extra,
    })
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own test; these are about users
    return app


def sign_in(client, password=PASSWORD):
    return client.post("/login", data={"name": "alice", "password": password, "next": "/"})


def test_starting_and_cancelling_need_a_user(settings, password_hash):
    client = secured_app(settings, password_hash).test_client()
    body = {"recipe": "lines", "params": {"LINES": "5"}}
    refused = client.post("/api/builds", json=body)
    assert refused.status_code == 401 and "Bearer" in refused.headers["WWW-Authenticate"]
    assert isinstance(refused.get_json()["error"], str)
    wrong = client.post("/api/builds", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    form = client.post("/builds", data={"recipe": "lines", "LINES": "5"})
    assert form.status_code == 303 and "/login" in form.headers["Location"]
    started = client.post("/api/builds", json=body,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert started.status_code == 202
    build_id = started.get_json()["id"]
    assert client.post(f"/api/builds/{build_id}/cancel").status_code == 401
    assert client.post(f"/api/builds/{build_id}/cancel",
                       headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 202
    # Watching is public by default.
    assert client.get(f"/builds/{build_id}").status_code == 200
    assert client.get(f"/api/builds/{build_id}/log").status_code == 200


def test_signing_in_with_a_password_lets_the_form_start_builds(settings, password_hash):
    client = secured_app(settings, password_hash).test_client()
    bad = sign_in(client, password="wrong")
    assert bad.status_code == 401 and b"do not match" in bad.data
    assert sign_in(client).status_code == 303
    assert b"alice" in client.get("/").data
    started = client.post("/builds", data={"recipe": "fail", "EXIT_CODE": "0"})
    assert started.status_code == 303 and "/builds/" in started.headers["Location"]
    build_id = started.headers["Location"].rsplit("/", 1)[1]
    assert client.post(f"/api/builds/{build_id}/cancel").status_code in (202, 409)
    client.post("/logout")
    assert client.post("/builds", data={"recipe": "fail"}).status_code == 303
    assert "/login" in client.post("/builds", data={"recipe": "fail"}).headers["Location"]


def test_a_trusted_proxy_header_names_the_user(settings, password_hash):
    app = secured_app(settings, password_hash, AUTH_PROXY_HEADER="X-Remote-User")
    client = app.test_client()
    started = client.post("/api/builds", json={"recipe": "fail", "params": {"EXIT_CODE": "0"}},
                          headers={"X-Remote-User": "bob"})
    assert started.status_code == 202
    client.post(f"/api/builds/{started.get_json()['id']}/cancel",
                headers={"X-Remote-User": "bob"})


def test_the_entry_made_by_app_auth_signs_in(settings):
    made = subprocess.run(
        [sys.executable, "-m", "app.auth", "alice", "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, check=True,
    )
    name, _, password_hash = made.stdout.strip().partition(":")
    assert name == "alice"
    client = secured_app(settings, password_hash).test_client()
    assert sign_in(client, "wrong").status_code == 401
    assert sign_in(client).status_code == 303


def test_login_never_redirects_off_site(settings, password_hash):
    client = secured_app(settings, password_hash).test_client()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        answer = client.post("/login", data={"name": "alice", "password": PASSWORD,
                                             "next": target})
        assert answer.headers["Location"] == "/", target


def test_authenticated_viewing_closes_pages_api_and_sockets(settings, password_hash, log_dir):
    client = secured_app(settings, password_hash, AUTH_VIEWING="authenticated").test_client()
    assert "/login" in client.get("/").headers["Location"]
    assert client.get("/api/builds").status_code == 401
    with_token = client.get("/api/builds", headers={"Authorization": f"Bearer {TOKEN}"})
    assert with_token.status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz?detail=1").status_code == 401
    detail = client.get("/healthz?detail=1", headers={"Authorization": f"Bearer {TOKEN}"})
    assert detail.status_code == 200 and "greenlets" in detail.get_json()
    service, url = start_server({**settings, "API_TOKENS": f"ci:{TOKEN}",
                                 "AUTH_VIEWING": "authenticated"}, log_dir)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            Viewer(url)
    finally:
        service.stop()


def test_the_server_refuses_to_listen_beyond_loopback_without_authentication():
    open_to_all = load_settings(
        {"HOST": "0.0.0.0", "SECRET_KEY": "x" * 32, "TRUSTED_HOSTS": "builds.example.com"}, {}
    )
    with pytest.raises(ConfigError, match="AUTH_USERS"):
        check_listening(open_to_all)
    check_listening(dataclasses.replace(open_to_all, API_TOKENS=f"ci:{TOKEN}"))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings({"HOST": "0.0.0.0", "API_TOKENS": f"ci:{TOKEN}"}, {})
    with pytest.raises(ConfigError, match="16"):
        create_app({"API_TOKENS": "ci:short", "ASYNC_MODE": "threading"})


def test_require_auth_refuses_to_listen_even_on_loopback_without_authentication():
    loopback = load_settings({"REQUIRE_AUTH": True}, {})
    with pytest.raises(ConfigError, match="REQUIRE_AUTH.*AUTH_USERS"):
        check_listening(loopback)
    for name, value in (("API_TOKENS", f"ci:{TOKEN}"), ("AUTH_PROXY_HEADER", "X-Remote-User"),
                        ("AUTH_USERS", "alice:scrypt:32768:8:1$salt$hash")):
        check_listening(dataclasses.replace(loopback, **{name: value}))
    assert load_settings({}, {"REQUIRE_AUTH": "true"}).REQUIRE_AUTH is True
    check_listening(load_settings({}, {}))  # off by default


def test_a_user_hash_that_app_auth_did_not_make_is_refused(settings):
    with pytest.raises(ConfigError, match="hash of alice"):
        create_app({**settings, "AUTH_USERS": "alice:<hash>", "ASYNC_MODE": "threading"})


def test_session_cookies_are_httponly_lax_and_secure_when_told(settings, password_hash):
    app = secured_app(settings, password_hash, SECURE_COOKIES=True)
    cookie = sign_in(app.test_client()).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
