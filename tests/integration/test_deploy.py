"""Every file in deploy/, run for real the way an operator would use it.

deploy/ is copied onto servers, never imported, so nothing else notices when it
goes wrong. Each test uses the committed file itself; what has to differ on a
test machine (addresses, ports, certificate paths) is changed by ``rewrite``,
which fails when a line it expects is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import trustme

from tests.conftest import (
    ROOT,
    PrivateRedis,
    Service,
    free_port,
    start_server,
    wait_for_state,
    wait_until,
)
from tests.viewer import Viewer

pytestmark = pytest.mark.integration

DEPLOY = ROOT / "deploy"
# Debian installs nginx in /usr/sbin, which is not on every user's PATH.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TOKEN = "deploy-test-token-0123456789"


def rewrite(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each key replaced by its value; every key must occur in it."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in the deploy file"
        text = text.replace(old, new)
    return text


def answers(url: str, service: Service, **kwargs) -> bool:
    """True once ``url`` answers 200; fails the test if ``service`` has exited."""
    if service.process.poll() is not None:
        pytest.fail(f"{service.name} exited:\n{service.log_text()}")
    try:
        return requests.get(url, timeout=2, **kwargs).status_code == 200
    except requests.RequestException:
        return False


def start_build(url: str, recipe: str, params: dict[str, str], **kwargs) -> int:
    response = requests.post(
        f"{url}/api/builds", json={"recipe": recipe, "params": params}, timeout=30, **kwargs
    )
    assert response.status_code == 202, response.text
    return response.json()["id"]


# nginx ------------------------------------------------------------------------------


class Proxy:
    """The committed deploy/nginx.conf in a real nginx, before two web processes."""

    def __init__(self, directory: Path, webs: list[tuple[Service, int]], log_dir: Path) -> None:
        self.webs = webs
        ca = trustme.CA()
        ca.cert_pem.write_to_path(directory / "ca.pem")
        self.ca = str(directory / "ca.pem")
        certificate = ca.issue_cert("127.0.0.1")
        certificate.private_key_pem.write_to_path(directory / "server.key")
        certificate.cert_chain_pems[0].write_to_path(directory / "server.pem")
        for pem in certificate.cert_chain_pems[1:]:
            pem.write_to_path(directory / "server.pem", append=True)
        https_port, http_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{https_port}"
        self.http_url = f"http://127.0.0.1:{http_port}"
        site = rewrite((DEPLOY / "nginx.conf").read_text(), {
            "server 127.0.0.1:5000;": f"server 127.0.0.1:{webs[0][1]};",
            "server 127.0.0.1:5001;": f"server 127.0.0.1:{webs[1][1]};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "/etc/ssl/certs/builds.example.com.pem": str(directory / "server.pem"),
            "/etc/ssl/private/builds.example.com.key": str(directory / "server.key"),
        })
        (directory / "site.conf").write_text(site)
        # As root, nginx's workers would run as nobody, who cannot reach pytest's 0700 tmp.
        user = "user root;" if os.geteuid() == 0 else ""
        (directory / "nginx.conf").write_text(f"""
daemon off;
pid {directory}/nginx.pid;
error_log stderr info;
{user}
events {{}}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/site.conf;
}}
""")
        args = [NGINX, "-p", str(directory), "-e", "stderr", "-c", str(directory / "nginx.conf")]
        check = subprocess.run([*args, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.service = Service("nginx", args, dict(os.environ), log_dir)
        wait_until(lambda: answers(self.url + "/healthz", self.service, verify=self.ca),
                   30, "nginx to pass /healthz on")

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, verify=self.ca, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {TOKEN}", **kwargs.pop("headers", {})}
        return requests.post(
            self.url + path, verify=self.ca, timeout=30, headers=headers, **kwargs
        )

    def start_build(self, recipe: str, **params: str) -> int:
        return start_build(self.url, recipe, params, verify=self.ca,
                           headers={"Authorization": f"Bearer {TOKEN}"})

    def viewer(self, transport: str) -> Viewer:
        """A Socket.IO viewer through nginx, sending the Origin a browser on the page sends
        (the WebSocket client sends that one by itself)."""
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE would win over verify
        session.verify = self.ca
        origin = {"Origin": self.url} if transport == "polling" else {}
        return Viewer(self.url, transports=(transport,), headers=origin, http_session=session)


# The web processes trust X-Remote-User, as with an authenticating proxy; nginx.conf
# must keep clients from sending it. Builds are started with an API token.
WEB_AUTH = {"AUTH_PROXY_HEADER": "X-Remote-User", "API_TOKENS": f"ci:{TOKEN}"}


@pytest.fixture(scope="module")
def proxy(settings, log_dir, worker, tmp_path_factory):
    webs = []
    for name in ("web-a", "web-b"):
        port = free_port()
        service, _ = start_server({**settings, **WEB_AUTH}, log_dir, port=port, name=name)
        webs.append((service, port))
    proxy = None
    try:
        proxy = Proxy(tmp_path_factory.mktemp("nginx"), webs, log_dir)
        yield proxy
    finally:
        if proxy is not None:
            proxy.service.stop(signal.SIGQUIT)  # nginx's graceful shutdown
        for service, _ in webs:
            service.stop()


def test_websocket_and_polling_viewers_through_nginx_get_every_line_once(proxy):
    build_id = proxy.start_build("slow", LINES="300", DELAY="0.01")
    viewers = {transport: proxy.viewer(transport) for transport in ("websocket", "polling")}
    for transport, viewer in viewers.items():
        assert viewer.client.transport() == transport
        assert viewer.subscribe(build_id)["ok"]
    for viewer in viewers.values():
        assert viewer.finished.wait(60)
        viewer.assert_exactly(1, 300)
        viewer.close()


def test_log_follow_streams_through_nginx_while_the_build_runs(proxy):
    # Line 2 comes 200 s after line 1, so only the cancel below ends this build.
    build_id = proxy.start_build("slow", LINES="2", DELAY="200")
    try:
        with proxy.get(f"/builds/{build_id}/log.txt?follow=1", stream=True) as response:
            assert response.status_code == 200
            lines = response.iter_lines(decode_unicode=True)
            assert next(lines) == "line 1"
            # It came through nginx before the build finished: the build is running still.
            assert proxy.get(f"/api/builds/{build_id}").json()["state"] == "running"
            assert proxy.post(f"/api/builds/{build_id}/cancel").status_code == 202
            rest = list(lines)  # the stream ends when the build does
    finally:
        proxy.post(f"/api/builds/{build_id}/cancel")  # 409 by now, unless the test failed
    assert proxy.get(f"/api/builds/{build_id}").json()["state"] == "cancelled"
    assert ["line 1", *rest] == proxy.get(f"/builds/{build_id}/log.txt").text.splitlines()


def test_port_80_redirects_to_https(proxy):
    response = requests.get(f"{proxy.http_url}/builds/7?x=1", allow_redirects=False, timeout=30)
    assert response.status_code == 301
    assert response.headers["Location"] == "https://127.0.0.1/builds/7?x=1"


def test_nginx_drops_the_user_header_clients_send(proxy):
    as_alice = {"recipe": "lines", "params": {"LINES": "1"}}
    direct = f"http://127.0.0.1:{proxy.webs[0][1]}/api/builds"
    # The web process does trust the header: sent to it directly, it signs alice in.
    response = requests.post(direct, json=as_alice, headers={"X-Remote-User": "alice"},
                             timeout=30)
    assert response.status_code == 202
    response = proxy.post("/api/builds", json=as_alice,
                          headers={"X-Remote-User": "alice", "Authorization": ""})
    assert response.status_code == 401


def test_nginx_reaches_either_web_process(proxy, settings, log_dir):
    """Each upstream line reaches a web process: with either one stopped, nginx uses the other.
    (nginx keeps a process it found down out of use for fail_timeout, 10 s, after it is back.)"""
    for index, (service, port) in enumerate(list(proxy.webs)):
        service.stop()
        wait_until(lambda: proxy.get("/healthz").status_code == 200, 30,
                   f"nginx to answer with {service.name} stopped")
        restarted, _ = start_server({**settings, **WEB_AUTH}, log_dir, port=port,
                                    name=service.name)
        proxy.webs[index] = (restarted, port)


# Procfile ---------------------------------------------------------------------------


def test_procfile_under_honcho_runs_a_build(tmp_path, log_dir):
    private_redis = PrivateRedis(tmp_path, log_dir)
    private_redis.start()
    port = free_port()
    env_file = tmp_path / "procfile.env"
    env_file.write_text("".join(
        f"{name}={value}\n" for name, value in {**private_redis.settings(), "PORT": port}.items()
    ))
    honcho = Service(
        "honcho", [sys.executable, "-m", "honcho", "-f", "deploy/Procfile", "-e", str(env_file),
                   "start"],
        {**os.environ, "PYTHONUNBUFFERED": "1"}, log_dir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(url + "/healthz", honcho), 60, "the Procfile's web process")
        build_id = start_build(url, "lines", {"LINES": "40"})
        assert wait_for_state(private_redis.client, build_id, "succeeded")["lines"] == 40
        log = requests.get(f"{url}/builds/{build_id}/log.txt", timeout=30).text
        assert log.splitlines() == [f"line {n}" for n in range(1, 41)]
    finally:
        honcho.stop()  # SIGTERM to honcho's group; it stops web and worker
        private_redis.stop()
    output = honcho.log_text()
    assert re.search(r"web\.1 +\| .*serving on " + re.escape(url), output)
    assert re.search(r"worker\.1 +\| .*build \d+ started", output)
    # Both stopped on SIGTERM, within honcho's grace time.
    assert "web.1 stopped" in output and "worker.1 stopped" in output, output
    assert "SIGKILL" not in output and honcho.process.returncode != -signal.SIGKILL
