"""Signing in under load: password hashes off the event loop, one per attempt whatever
the name, and failed attempts limited per client address and per user name."""

from __future__ import annotations

import hashlib
import re
import threading
import time

import pytest
import requests
from werkzeug.security import generate_password_hash

from app import create_app
from tests.support import start_server

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"


class Browser:
    """A session that signs in on /login as a browser does: the form's CSRF token, the
    session cookie. The server sees every test client at 127.0.0.1, a loopback peer, so
    it takes the client address from X-Forwarded-For, as from nginx on the same machine."""

    def __init__(self, url: str, address: str | None = None) -> None:
        self.url = url
        self.session = requests.Session()
        self.headers = {"X-Forwarded-For": address} if address else {}
        form = self.session.get(f"{url}/login", headers=self.headers, timeout=60).text
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)

    def sign_in(self, name: str, password: str) -> requests.Response:
        return self.session.post(
            f"{self.url}/login", headers=self.headers, allow_redirects=False, timeout=120,
            data={"name": name, "password": password, "csrf_token": self.token, "next": "/"},
        )


@pytest.fixture(scope="module")
def scrypt_hash():
    return generate_password_hash(PASSWORD)


def test_an_unknown_name_costs_one_hash_as_a_known_one_does(settings, scrypt_hash, monkeypatch):
    app = create_app({**settings, "ASYNC_MODE": "threading", "AUTH_USERS": f"alice:{scrypt_hash}"})
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    calls = []
    scrypt = hashlib.scrypt

    def counted(*args, **kwargs):
        calls.append(kwargs.get("n"))
        return scrypt(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    for name, password, status in (("nobody", "guess", 401), ("alice", "guess", 401),
                                   ("alice", PASSWORD, 303)):
        calls.clear()
        answer = client.post("/login", data={"name": name, "password": password, "next": "/"})
        assert answer.status_code == status
        # One scrypt, at the cost of alice's hash (n=32768), whoever signs in.
        assert calls == [32768], name


def test_failed_sign_ins_are_limited_per_address_and_per_name(settings, scrypt_hash, log_dir):
    service, url = start_server({**settings, "AUTH_USERS": f"alice:{scrypt_hash}"}, log_dir)
    try:
        # Per address: five failures, whatever the names; then 429, even for alice's password.
        browser = Browser(url, "203.0.113.7")
        for n in range(5):
            assert browser.sign_in(f"guess-{n}", "wrong").status_code == 401
        refused = browser.sign_in("alice", PASSWORD)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "Too many failed sign-ins" in refused.text
        assert Browser(url, "203.0.113.8").sign_in("alice", PASSWORD).status_code == 303

        # Per name: five failures from five addresses; then alice is refused from any.
        for n in range(5):
            assert Browser(url, f"198.51.100.{n}").sign_in("alice", "wrong").status_code == 401
        elsewhere = Browser(url, "198.51.100.200")
        assert elsewhere.sign_in("alice", PASSWORD).status_code == 429
        assert elsewhere.sign_in("bob", "wrong").status_code == 401  # other names go on
    finally:
        service.stop()


def test_health_answers_while_passwords_are_hashed(settings, log_dir):
    """Four sign-ins, each a PBKDF2 of 4,000,000 rounds (about a second of CPU), while
    /healthz is asked again and again. On the event loop, the hashes would hold every
    other request until they are done; in the thread pool, /healthz goes on answering."""
    slow_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:4000000")
    service, url = start_server({**settings, "AUTH_USERS": f"alice:{slow_hash}"}, log_dir)
    try:
        browsers = [Browser(url, f"192.0.2.{n}") for n in range(4)]
        statuses = []
        logins = [
            threading.Thread(target=lambda b=browser, n=n: statuses.append(
                b.sign_in("alice" if n == 0 else f"nobody-{n}", "wrong").status_code))
            for n, browser in enumerate(browsers)
        ]
        for login in logins:
            login.start()
        answered_meanwhile, latencies = 0, []
        while any(login.is_alive() for login in logins):
            started = time.monotonic()
            health = requests.get(f"{url}/healthz", timeout=120)
            latencies.append(time.monotonic() - started)
            assert health.status_code == 200
            if any(login.is_alive() for login in logins):
                answered_meanwhile += 1
        for login in logins:
            login.join()
        assert statuses == [401] * 4
        # Each hash lasts hundreds of /healthz round trips. A loop blocked by the
        # hashes answers only in the gaps between them (12 times in all, measured).
        assert answered_meanwhile >= 50, answered_meanwhile
        latencies.sort()
        print(f"/healthz answered {len(latencies)} times during the sign-ins, median "
              f"{latencies[len(latencies) // 2] * 1000:.1f} ms")
    finally:
        service.stop()
