"""What the real server takes from a request before any view runs: a Host it trusts
(TRUSTED_HOSTS), and numbers in URLs and query strings of a sane length."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import pytest
import requests
import socketio
import websocket

from tests.support import (
    Service,
    free_port,
    service_env,
    start_server,
    wait_until,
)
from tests.viewer import InOrderClient, Viewer

pytestmark = pytest.mark.integration

REBOUND = "rebind.attacker.example"


def as_host(url: str, name: str) -> dict[str, str]:
    """The headers a browser sends from a page at ``name`` on the server's port."""
    port = urlsplit(url).port
    return {"Host": f"{name}:{port}", "Origin": f"http://{name}:{port}"}


def socket_as(url: str, name: str) -> InOrderClient:
    """A Socket.IO client over WebSocket, connected as a browser on a page at ``name``."""
    headers = as_host(url, name)
    client = InOrderClient(reconnection=False, websocket_extra_options={
        "host": headers["Host"], "origin": headers["Origin"]})
    client.connect(url, namespaces=["/builds"], transports=["websocket"])
    return client


# Trusted hosts --------------------------------------------------------------------


def test_a_name_rebound_to_loopback_reaches_no_page_api_or_socket(server):
    """A page at rebind.attacker.example:PORT, once the name resolves to 127.0.0.1,
    sends that Host and a matching Origin: every same-origin check would pass."""
    headers = as_host(server, REBOUND)
    started = requests.post(f"{server}/api/builds", headers=headers, timeout=30,
                            json={"recipe": "lines", "params": {"LINES": "1"}})
    assert started.status_code == 400 and started.json() == {"error": "unknown host"}
    for method, path in (("GET", "/api/builds"), ("POST", "/api/builds/1/cancel"),
                         ("GET", "/api/builds/1/log")):
        answer = requests.request(method, server + path, headers=headers, timeout=30)
        assert (answer.status_code, answer.json()) == (400, {"error": "unknown host"}), path
    for path in ("/", "/builds/1", "/builds/1/log.txt", "/login", "/healthz", "/metrics"):
        answer = requests.get(server + path, headers=headers, timeout=30)
        assert (answer.status_code, answer.text) == (400, "unknown host\n"), path
        assert answer.headers["Content-Type"].startswith("text/plain")

    with pytest.raises(socketio.exceptions.ConnectionError):
        Viewer(server, transports=("polling",), headers=headers)
    # gevent-websocket completes the WebSocket handshake before the app runs; the
    # app then closes it before Engine.IO can send its open packet.
    ws_url = server.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    socket = websocket.create_connection(ws_url, timeout=30, host=headers["Host"],
                                         origin=headers["Origin"])
    try:
        opcode, data = socket.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE, data
    finally:
        socket.close()

    # The names of this machine are trusted by default, on any port.
    for name in ("localhost", "127.0.0.1", "[::1]"):
        answer = requests.get(f"{server}/api/builds", headers=as_host(server, name),
                              timeout=30)
        assert answer.status_code == 200, name
    client = socket_as(server, "localhost")
    assert client.call("follow_builds", {}, namespace="/builds", timeout=30) == {"ok": True}
    client.disconnect()


def test_trusted_hosts_replaces_the_defaults(settings, log_dir):
    port = free_port()
    trusted = f"builds.example.com, .example.org, 127.0.0.1:{port}, [0:0::1]:{port}"
    service, url = start_server({**settings, "TRUSTED_HOSTS": trusted}, log_dir, port=port)
    try:
        expected = {
            f"builds.example.com:{port}": 200,
            "builds.example.com": 200,  # port 80, which browsers leave out
            "BUILDS.example.com:8443": 200,
            "example.org": 200,
            "ci.example.org": 200,
            f"[::1]:{port}": 200,
            f"127.0.0.1:{port}": 200,
            "127.0.0.1:1": 400,  # that entry names a port
            f"localhost:{port}": 400,  # not in the list, which replaces the defaults
            "evilexample.org": 400,
            "builds.example.com.evil.example": 400,
            "builds.example.com:99999": 400,
            "": 400,
        }
        answers = {host: requests.get(f"{url}/healthz", headers={"Host": host},
                                      timeout=30).status_code for host in expected}
        assert answers == expected
        # Socket.IO from the trusted public name, as a browser on it connects.
        client = socket_as(url, "builds.example.com")
        try:
            assert client.call("follow_builds", {}, namespace="/builds", timeout=30) == {
                "ok": True}
        finally:
            client.disconnect()
    finally:
        service.stop()


def test_beyond_loopback_the_server_wants_trusted_hosts(settings, log_dir):
    port = free_port()
    env = {**settings, "HOST": "0.0.0.0", "SECRET_KEY": "k" * 64, "API_TOKENS": "ci:" + "t" * 20}
    refused = Service("server-no-trusted-hosts", [sys.executable, "server.py"],
                      service_env(env, PORT=str(port)), log_dir)
    try:
        refused.process.wait(60)
    finally:
        refused.stop()
    assert refused.process.returncode != 0
    assert "TRUSTED_HOSTS must be set when HOST (0.0.0.0) is not a loopback address" \
        in refused.log_text()

    env["TRUSTED_HOSTS"] = "builds.example.com,127.0.0.1"
    serving = Service("server-trusted-hosts", [sys.executable, "server.py"],
                      service_env(env, PORT=str(port)), log_dir)
    try:
        def healthy() -> bool:
            assert serving.process.poll() is None, serving.log_text()
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
            except requests.RequestException:
                return False

        wait_until(healthy, 30, "the server on 0.0.0.0 to answer")
    finally:
        serving.stop()


# Numbers -----------------------------------------------------------------------------

HUGE = "9" * 5000  # int() refuses 4,300 digits or more


def test_five_thousand_digit_numbers_get_4xx_not_500(server):
    # A build that exists, for its log's queries; cancelled at once (a session worker,
    # if any, may have started it meanwhile).
    started = requests.post(f"{server}/api/builds", timeout=30,
                            json={"recipe": "lines", "params": {"LINES": "3"}})
    build_id = started.json()["id"]
    requests.post(f"{server}/api/builds/{build_id}/cancel", timeout=30)
    refused = [
        ("GET", f"/api/builds?limit={HUGE}"),
        ("GET", f"/api/builds?before={HUGE}"),
        ("GET", f"/api/builds/{build_id}/log?after={HUGE}"),
        ("GET", f"/api/builds/{HUGE}"),
        ("GET", f"/api/builds/{HUGE}/log"),
        ("POST", f"/api/builds/{HUGE}/cancel"),
        ("GET", f"/builds/{HUGE}"),
        ("GET", f"/builds/{HUGE}/log.txt"),
        ("POST", f"/builds/{HUGE}/rebuild"),
        ("GET", "/api/builds/" + "9" * 17),  # one digit past any build id
    ]
    for method, path in refused:
        answer = requests.request(method, server + path, timeout=30)
        assert 400 <= answer.status_code < 500, (path[:60], answer.status_code)
        if path.startswith("/api/"):
            assert isinstance(answer.json()["error"], str)
    # A log page size above the maximum is clamped to it (SPEC section 9), however long.
    clamped = requests.get(f"{server}/api/builds/{build_id}/log?limit={HUGE}", timeout=30)
    assert clamped.status_code == 200 and clamped.json()["first"] == 1
