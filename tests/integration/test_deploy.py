"""Every file in deploy/, run for real the way an operator would use it.

deploy/ is copied onto servers, never imported, so nothing else notices when it
goes wrong. Each test uses the committed file itself; what has to differ on a
test machine (addresses, ports, certificate paths, the /opt/buildtail install
path) is changed by ``rewrite``, which fails when a line it expects is gone.
No systemd manager runs here: the units are checked by ``systemd-analyze
verify`` and their ExecStart is run in the working directory and environment
systemd would give; ``User=`` is the one setting not applied.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import requests
import socketio
import trustme

from tests.support import (
    ROOT,
    PrivateRedis,
    Service,
    answers,
    free_port,
    read_env_file,
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
        headers = {"Authorization": f"Bearer {TOKEN}", **kwargs.pop("headers", {})}
        return requests.get(
            self.url + path, verify=self.ca, timeout=30, headers=headers, **kwargs
        )

    def post(self, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {TOKEN}", **kwargs.pop("headers", {})}
        return requests.post(
            self.url + path, verify=self.ca, timeout=30, headers=headers, **kwargs
        )

    def start_build(self, recipe: str, **params: str) -> int:
        return start_build(self.url, recipe, params, verify=self.ca,
                           headers={"Authorization": f"Bearer {TOKEN}"})

    def viewer(self, transport: str, headers: dict[str, str] | None = None) -> Viewer:
        """A Socket.IO viewer through nginx with ``headers`` (by default the API token),
        sending the Origin a browser on the page sends (the WebSocket client sends that
        one by itself)."""
        session = requests.Session()
        session.trust_env = False  # else REQUESTS_CA_BUNDLE would win over verify
        session.verify = self.ca
        headers = {"Authorization": f"Bearer {TOKEN}"} if headers is None else headers
        if transport == "polling":
            headers = {**headers, "Origin": self.url}
        return Viewer(self.url, transports=(transport,), headers=headers, http_session=session)


# The web processes trust X-Remote-User, as with an authenticating proxy; nginx.conf
# must keep clients from sending it. Watching needs a user too; the tests start and
# watch builds with an API token.
WEB_AUTH = {"AUTH_PROXY_HEADER": "X-Remote-User", "API_TOKENS": f"ci:{TOKEN}",
            "AUTH_VIEWING": "authenticated"}


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


def test_nginx_drops_the_user_header_clients_send_to_socket_io(proxy):
    as_alice = {"X-Remote-User": "alice"}
    # The web process does trust the header: sent to it directly, alice may watch.
    direct = Viewer(f"http://127.0.0.1:{proxy.webs[0][1]}", headers=as_alice)
    direct.close()
    for transport in ("websocket", "polling"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            proxy.viewer(transport, headers=as_alice)
    # And without the header, nor a token: no viewer either.
    with pytest.raises(socketio.exceptions.ConnectionError):
        proxy.viewer("websocket", headers={})


def test_nginx_passes_on_the_host_the_app_checks(proxy):
    """The browser's own Host reaches the app, whose TRUSTED_HOSTS (here the loopback
    default) turns away a name rebound to this machine."""
    port = proxy.url.rsplit(":", 1)[1]
    assert proxy.get("/healthz", headers={"Host": f"localhost:{port}"}).status_code == 200
    refused = proxy.get("/healthz", headers={"Host": f"rebind.attacker.example:{port}"})
    assert (refused.status_code, refused.text) == (400, "unknown host\n")


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
        # Its worker has no -Q: it runs builds of every queue the recipes name.
        for recipe, count in (("lines", 40), ("gpu", 5)):
            build_id = start_build(url, recipe, {"LINES": str(count)})
            assert wait_for_state(private_redis.client, build_id, "succeeded")["lines"] == count
            log = requests.get(f"{url}/builds/{build_id}/log.txt", timeout=30).text
            assert log.splitlines() == [f"line {n}" for n in range(1, count + 1)]
    finally:
        honcho.stop()  # SIGTERM to honcho's group; it stops web and worker
        private_redis.stop()
    output = honcho.log_text()
    assert re.search(r"web\.1 +\| .*serving on " + re.escape(url), output)
    assert re.search(r"worker\.1 +\| .*build \d+ started", output)
    # Both stopped on SIGTERM, within honcho's grace time.
    assert "web.1 stopped" in output and "worker.1 stopped" in output, output
    assert "SIGKILL" not in output and honcho.process.returncode != -signal.SIGKILL


# systemd units ----------------------------------------------------------------------


def escape(instance: str) -> str:
    """The instance as a unit name holds it (a comma becomes \\x2c): what %i gives."""
    return subprocess.check_output(["systemd-escape", instance], text=True).strip()


@pytest.mark.parametrize("unit, instance", [("web", "5000"), ("worker", "celery,gpu")])
def test_systemd_analyze_verifies_the_unit(unit, instance, tmp_path):
    """The unit file as committed, but with ExecStart and WorkingDirectory in this checkout
    (verify checks that the command exists and is executable)."""
    copy = tmp_path / f"buildtail-{unit}@{escape(instance)}.service"
    template = (DEPLOY / f"buildtail-{unit}@.service").read_text()
    copy.write_text(rewrite(template, {"/opt/buildtail": str(ROOT)}))
    result = subprocess.run(["systemd-analyze", "verify", str(copy)],
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def service_section(unit: str, instance: str, env_file: Path) -> dict[str, list[str]]:
    """The [Service] settings of deploy/buildtail-<unit>@.service for ``instance``:
    %i and %I expanded, installed in this checkout, reading ``env_file``."""
    text = rewrite((DEPLOY / f"buildtail-{unit}@.service").read_text(), {
        "/opt/buildtail": str(ROOT), "/etc/buildtail/env": str(env_file),
    })
    text = text.replace("%i", escape(instance)).replace("%I", instance)
    settings, section = defaultdict(list), None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif line and not line.startswith(("#", ";")) and section == "[Service]":
            key, _, value = line.partition("=")
            settings[key].append(value)
    return settings


def env_file_from_example(path: Path, values: dict[str, str]) -> Path:
    """deploy/buildtail.env.example with ``values`` put in for the names it sets."""
    lines, replaced = [], set()
    for line in (DEPLOY / "buildtail.env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        if not line.startswith("#") and name in values:
            line = f"{name}={values[name]}"
            replaced.add(name)
        lines.append(line)
    assert replaced == set(values), f"not in the example: {set(values) - replaced}"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_unit(unit: str, instance: str, env_file: Path, home: Path, log_dir: Path) -> Service:
    """The unit's ExecStart, in its WorkingDirectory, with the environment systemd gives:
    its own few variables, then Environment=, then EnvironmentFile=, which overrides."""
    settings = service_section(unit, instance, env_file)
    assert settings["WorkingDirectory"] == [str(ROOT)]
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "LANG": "C.UTF-8",
           "HOME": str(home)}
    for assignments in settings["Environment"]:
        env.update(assignment.split("=", 1) for assignment in shlex.split(assignments))
    for file in settings["EnvironmentFile"]:
        env.update(read_env_file(Path(file)))
    return Service(f"buildtail-{unit}@{instance}", shlex.split(settings["ExecStart"][0]), env,
                   log_dir)


def test_the_env_example_as_shipped_refuses_to_start_the_web_unit(tmp_path, log_dir):
    """Only what differs on this machine is filled in (Redis, paths): no AUTH_*. The
    example's REQUIRE_AUTH keeps the unit from publishing an open build runner."""
    private_redis = PrivateRedis(tmp_path, log_dir)
    env_file = env_file_from_example(tmp_path / "env", private_redis.settings())
    web = run_unit("web", str(free_port()), env_file, tmp_path, log_dir)
    try:
        wait_until(lambda: web.process.poll() is not None, 60, "the web unit to refuse to start")
    finally:
        web.stop()
    assert web.process.returncode == 1
    assert web.log_text().splitlines() == [
        "buildtail: REQUIRE_AUTH is set but no authentication is configured: fill in "
        "AUTH_USERS, AUTH_PROXY_HEADER or API_TOKENS (see the README)"
    ]


@pytest.fixture
def unit_stack(tmp_path, log_dir):
    """A private Redis and the env file the units read, made from the example, with
    what an operator fills in: a SECRET_KEY and authentication (an API token)."""
    private_redis = PrivateRedis(tmp_path, log_dir)
    private_redis.start()
    env_file = env_file_from_example(tmp_path / "env", {
        **private_redis.settings(), "SECRET_KEY": "0123456789abcdef" * 4,
        "API_TOKENS": f"ci:{TOKEN}",
    })
    services = []

    def run(unit: str, instance: str) -> Service:
        services.append(run_unit(unit, instance, env_file, tmp_path, log_dir))
        return services[-1]

    yield private_redis, run
    for service in services:
        service.stop()
    private_redis.stop()


def json_log(service: Service) -> list[dict]:
    return [json.loads(line) for line in service.log_text().splitlines() if line.startswith("{")]


def web_unit(run) -> tuple[Service, str]:
    """buildtail-web@<a free port>, once it answers; and its URL."""
    port = free_port()
    web = run("web", str(port))
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(url + "/healthz", web), 30, f"buildtail-web@{port}")
    return web, url


def test_web_unit_serves_on_its_instance_port(unit_stack):
    _, run = unit_stack
    web, url = web_unit(run)
    assert requests.get(url + "/healthz", timeout=30).json() == {"redis": "ok"}
    # The example's TRUSTED_HOSTS: the public name (as nginx passes it on) and this machine's.
    for host, status in (("builds.example.com", 200), ("localhost:5000", 200),
                         ("rebind.attacker.example", 400)):
        answer = requests.get(url + "/healthz", headers={"Host": host}, timeout=30)
        assert answer.status_code == status, host
    # LOG_FORMAT=json from the env file: the web process logs JSON lines.
    assert f"serving on {url}/" in [entry["message"] for entry in json_log(web)]


def test_worker_unit_runs_builds_of_each_queue_it_names(unit_stack):
    private_redis, run = unit_stack
    _, url = web_unit(run)
    worker = run("worker", "celery,gpu")
    # "lines" goes to Celery's default queue, "gpu" to the gpu queue (tests/recipes.toml).
    for recipe, count in (("lines", 30), ("gpu", 5)):
        build_id = start_build(url, recipe, {"LINES": str(count)},
                               headers={"Authorization": f"Bearer {TOKEN}"})
        assert wait_for_state(private_redis.client, build_id, "succeeded")["lines"] == count
        log = requests.get(f"{url}/builds/{build_id}/log.txt", timeout=30).text
        assert log.splitlines() == [f"line {n}" for n in range(1, count + 1)]
        assert any(entry.get("build_id") == build_id for entry in json_log(worker))
