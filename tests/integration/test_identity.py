"""A build id that comes again never shows another build's log.

Redis that loses its data starts ids at 1 again while ARCHIVE_DIR keeps the
old builds' files. Two stacks run one after the other, each on an empty
Redis, sharing one ARCHIVE_DIR: the second stack's build 1 shows only its
own lines, through every reader (API, log.txt, a live viewer, a replay from
its own archive).
"""

from __future__ import annotations

import pytest
import requests

from app import archive, store
from tests.support import PrivateRedis, start_server, start_worker, wait_for_state, wait_until
from tests.viewer import Viewer

pytestmark = pytest.mark.integration


def archived_index(client, archive_dir, build_id: int):
    """The build's archive index once the server has written it, else None."""
    uid = store.archive_facts(client, build_id)["uid"]
    _, index = archive.paths(archive_dir, archive.archive_name(build_id, uid))
    return index if index.exists() else None


def start_echo(url: str, message: str) -> dict:
    response = requests.post(f"{url}/api/builds",
                             json={"recipe": "echo", "params": {"MESSAGE": message}})
    assert response.status_code == 202, response.text
    return response.json()


def stack_on(data_dir, log_dir, archive_dir, with_worker: bool = True):
    data_dir.mkdir()
    redis = PrivateRedis(data_dir, log_dir)
    redis.start()
    settings = {**redis.settings(), "ARCHIVE_DIR": str(archive_dir)}
    server, url = start_server(settings, log_dir)
    worker = start_worker(settings, log_dir, concurrency=1) if with_worker else None
    return redis, settings, server, url, worker


def run_first_lifetime(tmp_path, log_dir, archive_dir) -> None:
    """Builds 1-3 on a first Redis, archived, then that Redis is gone for good."""
    redis, _, server, url, worker = stack_on(tmp_path / "first", log_dir, archive_dir)
    try:
        for _ in range(3):
            build = start_echo(url, "old build")
            wait_for_state(redis.client, build["id"], "succeeded")
            wait_until(lambda b=build: archived_index(redis.client, archive_dir, b["id"]), 60,
                       f"build {build['id']} to be archived")
    finally:
        worker.stop()
        server.stop()
        redis.stop()


def own_lines(url: str, build_id: int) -> tuple[list[str], list[str]]:
    api = requests.get(f"{url}/api/builds/{build_id}/log").json()["lines"]
    raw = requests.get(f"{url}/builds/{build_id}/log.txt").text.splitlines()
    return api, raw


def test_a_reused_id_shows_only_its_own_build(tmp_path, log_dir):
    archive_dir = tmp_path / "shared-archive"
    run_first_lifetime(tmp_path, log_dir, archive_dir)
    assert len(list(archive_dir.glob("1-*.index.json"))) == 1

    redis, settings, server, url, _ = stack_on(tmp_path / "second", log_dir, archive_dir,
                                               with_worker=False)
    worker = None
    try:
        queued = start_echo(url, "new build")
        assert queued["id"] == 1 and queued["state"] == "queued"
        assert own_lines(url, 1) == ([], [])
        viewer = Viewer(url)
        assert viewer.subscribe(1)["ok"]
        worker = start_worker(settings, log_dir, concurrency=1)
        done = wait_for_state(redis.client, 1, "succeeded")
        assert viewer.finished.wait(30)
        texts = [text for _, text, _ in viewer.lines()]
        assert texts[0] == "new build" and len(texts) == done["lines"]
        assert own_lines(url, 1) == (texts, texts)
        viewer.close()

        wait_until(lambda: archived_index(redis.client, archive_dir, 1), 60,
                   "the new build 1 to be archived")
        redis.client.delete(store.lines_key(1))  # as if its time in Redis were up
        assert own_lines(url, 1) == (texts, texts)
        replay = Viewer(url)
        assert replay.subscribe(1)["ok"] and replay.finished.wait(30)
        assert [text for _, text, _ in replay.lines()] == texts
        replay.close()
        assert len(list(archive_dir.glob("1-*.index.json"))) == 2
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
        redis.stop()
