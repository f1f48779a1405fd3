"""Redis as a service: TLS with a password and a client certificate, and
Sentinel with a failover. The web process and the worker run against a real
redis-server that speaks only TLS, then against a master that is killed and
replaced by its replica (in plain text and over TLS): builds before and after
stream every line, and so does a build whose newest lines the failover lost."""

from __future__ import annotations

import os
import signal

import pytest
import redis
import requests
import trustme

from app import store
from app.redis_connection import redis_client
from app.settings import load_settings
from tests.support import (
    TEST_RECIPES,
    Service,
    free_port,
    redis_server_binary,
    start_server,
    start_worker,
    wait_until,
)
from tests.viewer import Viewer

pytestmark = pytest.mark.integration

PASSWORD = "redis-secret"
SENTINEL_PASSWORD = "sentinel-secret"
MASTER_NAME = "builds"


def stack_settings(tmp_path, **redis_settings: str) -> dict[str, str]:
    return {
        "RECIPES_FILE": str(TEST_RECIPES),
        "WORKSPACE_ROOT": str(tmp_path / "workspaces"),
        "ARCHIVE_DIR": str(tmp_path / "archive"),
        **redis_settings,
    }


def client_for(settings: dict[str, str]) -> redis.Redis:
    """The client buildtail itself would make from these settings."""
    return redis_client(load_settings(settings, environ={}), "test", 2)


def run_and_watch(url: str, lines: int) -> int:
    """Start a build through ``url``, watch it there, and check every line came once."""
    response = requests.post(
        f"{url}/api/builds", json={"recipe": "lines", "params": {"LINES": str(lines)}}, timeout=30
    )
    assert response.status_code == 202, response.text
    build_id = response.json()["id"]
    viewer = Viewer(url)
    try:
        assert viewer.subscribe(build_id)["ok"]
        assert viewer.finished.wait(120), f"build {build_id} did not finish"
        viewer.assert_exactly(1, lines)
    finally:
        viewer.close()
    return build_id


def replay(url: str, build_id: int, lines: int) -> None:
    viewer = Viewer(url)
    try:
        assert viewer.subscribe(build_id)["ok"]
        assert viewer.finished.wait(60)
        viewer.assert_exactly(1, lines)
    finally:
        viewer.close()


# --- TLS -------------------------------------------------------------------


class Certificates:
    """A private CA, a certificate for 127.0.0.1 that Redis serves (and that
    sentinels and replicas also show as clients), and one for buildtail."""

    def __init__(self, directory) -> None:
        ca = trustme.CA()
        server = ca.issue_cert("127.0.0.1", "localhost")
        client = ca.issue_cert("buildtail")
        self.ca, self.server_cert, self.server_key, self.client_cert, self.client_key = (
            directory / f"{name}.pem" for name in
            ("ca", "server-cert", "server-key", "client-cert", "client-key")
        )
        ca.cert_pem.write_to_path(self.ca)
        server.cert_chain_pems[0].write_to_path(self.server_cert)
        server.private_key_pem.write_to_path(self.server_key)
        client.cert_chain_pems[0].write_to_path(self.client_cert)
        client.private_key_pem.write_to_path(self.client_key)

    def server_args(self, port: int) -> list[str]:
        """redis-server arguments: TLS only on ``port``, replication over TLS too."""
        return ["--port", "0", "--tls-port", str(port), "--tls-replication", "yes",
                "--tls-cert-file", str(self.server_cert), "--tls-key-file", str(self.server_key),
                "--tls-ca-cert-file", str(self.ca)]

    def settings(self) -> dict[str, str]:
        return {"REDIS_TLS_CA_FILE": str(self.ca), "REDIS_TLS_CERT_FILE": str(self.client_cert),
                "REDIS_TLS_KEY_FILE": str(self.client_key)}

    def client_options(self) -> dict:
        """What a plain redis-py client of the test needs to reach these servers."""
        return {"ssl": True, "ssl_ca_certs": str(self.ca), "ssl_certfile": str(self.client_cert),
                "ssl_keyfile": str(self.client_key)}


@pytest.fixture
def tls_redis(tmp_path, log_dir):
    """A redis-server with no plain-text port: TLS only, a password, and client
    certificates required (Redis's default), all signed by a private CA."""
    certificates = Certificates(tmp_path)
    port = free_port()
    service = Service(
        "redis-tls",
        [redis_server_binary(), *certificates.server_args(port), "--bind", "127.0.0.1",
         "--requirepass", PASSWORD, "--dir", str(tmp_path), "--save", ""],
        {}, log_dir,
    )
    settings = stack_settings(
        tmp_path, REDIS_URL=f"rediss://:{PASSWORD}@127.0.0.1:{port}/0", **certificates.settings()
    )
    try:
        wait_until(
            lambda: store.ping(client_for(settings)) or service.process.poll() is not None,
            10, "the TLS redis-server",
        )
        assert service.process.poll() is None, (
            "redis-server exited; is it built with TLS?\n" + service.log_text()
        )
        yield settings
    finally:
        service.stop()


def test_builds_run_and_stream_over_tls(tls_redis, log_dir):
    worker = start_worker(tls_redis, log_dir)
    server, url = start_server(tls_redis, log_dir)
    try:
        build_id = run_and_watch(url, 3000)
        replay(url, build_id, 3000)
        names = {entry["name"] for entry in client_for(tls_redis).client_list()}
        assert {"buildtail-web", "buildtail-relay"} <= names
    finally:
        server.stop()
        worker.stop()


def test_the_redis_certificate_and_password_are_checked(tls_redis):
    system_cas_only = {**tls_redis, "REDIS_TLS_CA_FILE": ""}
    with pytest.raises(redis.ConnectionError, match="certificate verify failed"):
        client_for(system_cas_only).ping()
    wrong_password = {**tls_redis, "REDIS_URL": tls_redis["REDIS_URL"].replace(PASSWORD, "nope")}
    with pytest.raises(redis.AuthenticationError):
        client_for(wrong_password).ping()
    without_client_certificate = {**tls_redis, "REDIS_TLS_CERT_FILE": "", "REDIS_TLS_KEY_FILE": ""}
    with pytest.raises(redis.ConnectionError):
        client_for(without_client_certificate).ping()


# --- Sentinel ----------------------------------------------------------------


class SentinelSet:
    """A master, its replica and two sentinels watching them, all on loopback."""

    def __init__(self, tmp_path, log_dir, certificates: Certificates | None = None) -> None:
        self.tmp_path = tmp_path
        self.log_dir = log_dir
        self.certificates = certificates
        self.master_port, self.replica_port = free_port(), free_port()
        self.sentinel_ports = [free_port(), free_port()]
        self.services: dict[str, Service] = {}

    def start(self) -> None:
        for name, port, extra in (
            ("master", self.master_port, []),
            ("replica", self.replica_port, ["--replicaof", "127.0.0.1", str(self.master_port)]),
        ):
            data = self.tmp_path / name
            data.mkdir()
            self.services[name] = Service(
                f"redis-{name}",
                [redis_server_binary(), *self._listen(port), "--bind", "127.0.0.1",
                 "--requirepass", PASSWORD, "--masterauth", PASSWORD,
                 "--dir", str(data), "--save", "", *extra],
                {}, self.log_dir,
            )
        for index, port in enumerate(self.sentinel_ports):
            conf = self.tmp_path / f"sentinel-{index}.conf"
            listen = self._listen(port)  # the same settings, as lines of the file
            conf.write_text(
                "".join(f"{listen[i][2:]} {listen[i + 1]}\n" for i in range(0, len(listen), 2))
                + f"bind 127.0.0.1\ndir {self.tmp_path}\n"
                f"requirepass {SENTINEL_PASSWORD}\nsentinel sentinel-pass {SENTINEL_PASSWORD}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 1\n"
                f"sentinel auth-pass {MASTER_NAME} {PASSWORD}\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
                f"sentinel failover-timeout {MASTER_NAME} 10000\n"
            )
            self.services[f"sentinel-{index}"] = Service(
                f"redis-sentinel-{index}", [redis_server_binary(), str(conf), "--sentinel"],
                {}, self.log_dir,
            )
        wait_until(self._watching_everything, 60, "the sentinels to see the replica and each other")

    def _listen(self, port: int) -> list[str]:
        if self.certificates:
            return self.certificates.server_args(port)
        return ["--port", str(port)]

    def _tls(self) -> dict:
        return self.certificates.client_options() if self.certificates else {}

    def sentinel(self, index: int = 0) -> redis.Redis:
        return redis.Redis(port=self.sentinel_ports[index], password=SENTINEL_PASSWORD,
                           decode_responses=True, **self._tls())

    def node(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, password=PASSWORD, **self._tls())

    def master_port_now(self) -> int:
        _, port = self.sentinel().sentinel_get_master_addr_by_name(MASTER_NAME)
        return int(port)

    def _watching_everything(self) -> bool:
        try:
            return all(
                self.sentinel(index).sentinel_slaves(MASTER_NAME)
                and self.sentinel(index).sentinel_sentinels(MASTER_NAME)
                for index in range(len(self.sentinel_ports))
            )
        except redis.RedisError:
            return False

    def replica_caught_up(self) -> bool:
        master = self.node(self.master_port).info("replication")
        replica = self.node(self.replica_port).info("replication")
        return master["master_repl_offset"] == replica.get("slave_repl_offset")

    def settings(self) -> dict[str, str]:
        unreachable_sentinel = f"127.0.0.1:{free_port()}"
        sentinels = [unreachable_sentinel] + [f"127.0.0.1:{port}" for port in self.sentinel_ports]
        scheme = "rediss" if self.certificates else "redis"
        return stack_settings(
            self.tmp_path,
            # Host and port are never used: the sentinels say where the master is.
            REDIS_URL=f"{scheme}://:{PASSWORD}@unused.invalid:6379/0",
            **(self.certificates.settings() if self.certificates else {}),
            REDIS_SENTINELS=",".join(sentinels),
            REDIS_SENTINEL_MASTER=MASTER_NAME,
            REDIS_SENTINEL_PASSWORD=SENTINEL_PASSWORD,
        )

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()


@pytest.fixture(params=["plain", "tls"])
def sentinel_set(request, tmp_path, log_dir):
    """The set speaks plain Redis, or TLS only (clients, replication, sentinels)."""
    certificates = Certificates(tmp_path) if request.param == "tls" else None
    sentinels = SentinelSet(tmp_path, log_dir, certificates)
    try:
        sentinels.start()
        yield sentinels
    finally:
        sentinels.stop()


def test_builds_follow_the_master_through_a_failover(sentinel_set, log_dir):
    settings = sentinel_set.settings()
    worker = start_worker(settings, log_dir)
    server, url = start_server(settings, log_dir)
    try:
        before = run_and_watch(url, 2000)
        wait_until(sentinel_set.replica_caught_up, 30, "the replica to hold every write")

        sentinel_set.services["master"].kill_group()
        wait_until(
            lambda: sentinel_set.master_port_now() == sentinel_set.replica_port,
            60, "the sentinels to promote the replica",
        )

        # The same web process and worker, untouched, now work on the new master.
        run_and_watch(url, 2000)
        replay(url, before, 2000)
    finally:
        server.stop()
        worker.stop()


def test_lines_a_failover_loses_are_written_again(sentinel_set, log_dir, tmp_path):
    """The replica is frozen while the master takes 300,000 more lines, then
    the master dies: the promoted replica lacks most of them. The worker kept
    every batch no replica confirmed and writes the missing lines again, so
    the log and its viewer end with every line exactly once."""
    settings = sentinel_set.settings()
    worker = start_worker(settings, log_dir)
    server, url = start_server(settings, log_dir)
    gates = [tmp_path / "frozen", tmp_path / "promoted"]
    runs = [100, 300_000, 100]
    total = sum(runs)
    master = sentinel_set.node(sentinel_set.master_port)
    replica = sentinel_set.services["replica"]
    try:
        params = {"RUNS": ",".join(map(str, runs)), "GATES": ",".join(map(str, gates))}
        response = requests.post(f"{url}/api/builds", timeout=30,
                                 json={"recipe": "gated", "params": params})
        assert response.status_code == 202, response.text
        build_id = response.json()["id"]
        viewer = Viewer(url)
        assert viewer.subscribe(build_id)["ok"]
        lines = store.lines_key(build_id)

        wait_until(lambda: master.llen(lines) == runs[0], 60, "the first lines")
        wait_until(sentinel_set.replica_caught_up, 30, "the replica to hold them")
        os.kill(replica.pid, signal.SIGSTOP)
        gates[0].touch()
        wait_until(lambda: master.llen(lines) == runs[0] + runs[1], 120,
                   "the master to hold the second run")
        sentinel_set.services["master"].kill_group()
        os.kill(replica.pid, signal.SIGCONT)
        wait_until(
            lambda: sentinel_set.master_port_now() == sentinel_set.replica_port,
            60, "the sentinels to promote the replica",
        )
        gates[1].touch()

        assert viewer.finished.wait(120), "the build did not finish"
        viewer.assert_exactly(1, total)
        viewer.close()
        promoted = sentinel_set.node(sentinel_set.replica_port)
        assert store.get_build(promoted, build_id)["state"] == "succeeded"
        assert promoted.llen(lines) == total
        assert "writing them again" in worker.log_text()  # the failover did lose lines
    finally:
        server.stop()
        worker.stop()
