"""Background work that outlives its errors, and an archive that only keeps a whole log."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from app import archive, store
from app.execution import execute_build
from tests.support import PrivateRedis, start_server, start_worker, wait_for_state, wait_until

pytestmark = pytest.mark.integration


def background_errors(url: str, loop: str) -> float:
    families = text_string_to_metric_families(requests.get(f"{url}/metrics").text)
    return sum(
        sample.value
        for family in families if family.name == "buildtail_background_errors"
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels.get("loop") == loop
    )


def test_archiving_resumes_once_archive_dir_is_writable_again(tmp_path, log_dir):
    """ARCHIVE_DIR is a plain file (unwritable even for root), then it is not."""
    blocked = tmp_path / "archive"
    blocked.write_text("not a directory")
    private_redis = PrivateRedis(tmp_path, log_dir)
    private_redis.start()
    settings = {**private_redis.settings(), "ARCHIVE_DIR": str(blocked)}
    server, url = start_server(settings, log_dir)
    worker = start_worker(settings, log_dir, concurrency=1)
    client = private_redis.client
    try:
        build = requests.post(f"{url}/api/builds",
                              json={"recipe": "lines", "params": {"LINES": "50"}}).json()
        wait_for_state(client, build["id"], "succeeded")
        wait_until(lambda: background_errors(url, "archiver") >= 2, 60,
                   "the archiver to fail and be restarted")
        assert store.archive_facts(client, build["id"])["uid"]
        assert client.hget(store.build_key(build["id"]), "archive") is None
        blocked.unlink()
        wait_until(lambda: client.hget(store.build_key(build["id"]), "archive"), 90,
                   "archiving to resume")
        assert f"build {build['id']}" in server.log_text()
        assert requests.get(f"{url}/healthz").status_code == 200
    finally:
        worker.stop()
        server.stop()
        private_redis.stop()


def test_a_log_changed_in_redis_is_seen_and_never_archived(private_app):
    app = private_app
    services = app.extensions["buildtail"]
    client = services.redis
    build = store.create_build(client, "lines", {"LINES": "30"})
    done = execute_build(client, build["id"], services.recipes, services.settings)
    web = app.test_client()
    assert web.get(f"/api/builds/{build['id']}").get_json()["log_crc32"] == done["log_crc32"]
    entry = client.lindex(store.lines_key(build["id"]), 4)
    client.lset(store.lines_key(build["id"]), 4, entry.replace(b"line 5", b"line five"))
    served = web.get(f"/builds/{build['id']}/log.txt").get_data()
    assert store.log_crc32(served.decode().splitlines()) != done["log_crc32"]
    with pytest.raises(archive.LogMismatch, match="differs from what its worker wrote"):
        archive.write_archive(client, build["id"], app.config["ARCHIVE_DIR"])
    assert client.hget(store.build_key(build["id"]), "archive") is None
