"""Hostile build output through a real command and a real Redis: nothing breaks, nothing is lost."""

from __future__ import annotations

import gzip
import json
import os
import time

import pytest
import requests

from app import archive, create_app, store
from app.execution import execute_build
from tests.support import wait_until
from tests.viewer import Viewer

pytestmark = pytest.mark.integration


def run(app, recipe: str, **params: str) -> tuple[dict, list[str]]:
    client = app.extensions["buildtail"].redis
    build = store.create_build(client, recipe, params)
    done = execute_build(client, build["id"], app.extensions["buildtail"].recipes,
                         app.extensions["buildtail"].settings)
    lines, _ = store.read_lines(client, build["id"], 0, 100_000)
    return done, lines


def archive_paths(client, directory: str, build_id: int):
    """The archive files named by the build's identity (id and uid)."""
    uid = store.archive_facts(client, build_id)["uid"]
    return archive.paths(directory, archive.archive_name(build_id, uid))


def test_a_10_mb_line_is_split_at_max_line_bytes(app):
    done, lines = run(app, "raw", MODE="huge")
    limit = app.extensions["buildtail"].settings.MAX_LINE_BYTES
    assert done["state"] == "succeeded"
    assert lines[-1] == "after"
    assert "".join(lines[:-1]) == "x" * 10_000_000
    assert all(len(line.encode()) <= limit for line in lines)


def test_invalid_utf8_nul_and_escapes_are_stored_as_text(app):
    done, lines = run(app, "raw", MODE="binary")
    assert done["state"] == "succeeded"
    assert lines[0] == "bad \ufffd\ufffd utf-8"
    assert lines[1] == "nul \x00 byte"  # kept; the page shows it as a symbol
    assert lines[3] == "<script>alert(1)</script>"
    assert lines[4] == "no newline at the end"


def test_a_log_past_max_log_bytes_keeps_its_head_and_last_1000_lines(settings):
    app = create_app({**settings, "ASYNC_MODE": "threading", "MAX_LOG_BYTES": "20000"})
    done, lines = run(app, "lines", LINES="5000")
    assert done["state"] == "succeeded"
    head = [line for line in lines if not line.startswith("[buildtail]")][:100]
    assert head == [f"line {n}" for n in range(1, 101)]
    notices = [line for line in lines if line.startswith("[buildtail]")]
    assert len(notices) == 2 and "held back" in notices[0]
    kept = lines.index(notices[0])
    omitted = 5000 - kept - 1000
    assert notices[1] == f"[buildtail] {omitted:,} lines omitted; the last 1,000 lines follow"
    assert lines[-1000:] == [f"line {n}" for n in range(4001, 5001)]
    assert done["lines"] == len(lines) == kept + 2 + 1000


def test_an_archived_log_is_served_once_redis_lets_it_go(app, settings):
    """Written, checked, read from any line on, after the list left Redis."""
    client = app.extensions["buildtail"].redis
    done, lines = run(app, "shapes", SHAPE="needle", LINES="25000", DELAY="0")
    build_id = done["id"]
    assert archive.write_archive(client, build_id, settings["ARCHIVE_DIR"]) == 25000
    with gzip.open(archive_paths(client, settings["ARCHIVE_DIR"], build_id)[0], "rt") as whole:
        assert [entry.split(" ", 1)[1] for entry in whole.read().splitlines()] == lines
    client.delete(store.lines_key(build_id))
    web = app.test_client()
    assert web.get(f"/builds/{build_id}/log.txt").get_data(as_text=True).splitlines() == lines
    page = web.get(f"/api/builds/{build_id}/log?after=9995&limit=10").get_json()
    assert page["first"] == 9996 and page["lines"] == lines[9995:10005]
    assert page["total"] == 25000 and page["done"] is False
    last = web.get(f"/api/builds/{build_id}/log?after=24990&limit=100").get_json()
    assert last["lines"] == lines[24990:] and last["done"] is True
    assert web.get(f"/api/builds/{build_id}").get_json()["lines"] == 25000


def test_archives_past_retention_are_deleted(app, settings):
    client = app.extensions["buildtail"].redis
    done, _ = run(app, "lines", LINES="10")
    archive.write_archive(client, done["id"], settings["ARCHIVE_DIR"])
    log_path, index_path = archive_paths(client, settings["ARCHIVE_DIR"], done["id"])
    old = time.time() - 3 * 86400
    os.utime(index_path, (old, old))
    os.utime(log_path, (old, old))
    assert set(archive.delete_expired(settings["ARCHIVE_DIR"], 2 * 86400)) == {log_path, index_path}
    assert not log_path.exists() and not index_path.exists()


def test_the_server_archives_finished_builds(server, worker, settings, redis_client):
    build = requests.post(f"{server}/api/builds",
                          json={"recipe": "lines", "params": {"LINES": "300"}}).json()
    _, index_path = archive_paths(redis_client, settings["ARCHIVE_DIR"], build["id"])
    wait_until(index_path.exists, 60, "the server to archive the finished build")
    assert json.loads(index_path.read_text())["lines"] == 300
    # The list's time in Redis is cut right after the archive is written.
    wait_until(lambda: 0 < redis_client.ttl(store.lines_key(build["id"])) <= 3600, 30,
               "Redis to keep the archived log for an hour only")
    redis_client.delete(store.lines_key(build["id"]))  # as if its time in Redis were up
    viewer = Viewer(server)
    assert viewer.subscribe(build["id"])["ok"]
    assert viewer.finished.wait(30)
    viewer.assert_exactly(1, 300)
    viewer.close()
