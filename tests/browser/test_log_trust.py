"""The build page in a real Chromium says whether its copy of a log is whole,
and says why no line is coming when none can: Redis away, a worker silent."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import time

import pytest
from playwright.sync_api import expect

from app import archive, store
from tests.browser.support import assert_every_line_once, start, wait_for_lines
from tests.support import (
    run_cli,
    wait_for_state,
    wait_until,
)

pytestmark = pytest.mark.browser

RED = "rgb(207, 34, 46)"  # --bad


def expect_verified(page, lines: int) -> None:
    expect(page.locator("#build")).to_have_attribute("data-integrity", "verified", timeout=60_000)
    expect(page.locator("#integrity")).to_have_text(f"complete · {lines:,} lines · verified")
    expect(page.locator("#integrity")).to_be_visible()
    expect(page.locator("#reload")).to_be_hidden()


@pytest.mark.parametrize(
    ("recipe", "params", "lines"),
    [
        ("lines", {"LINES": "12000"}, 12000),  # replayed in several chunks
        ("echo", {"MESSAGE": "héllo ✓ 日本語 🎉"}, 3),  # bytes beyond ASCII
        ("shapes", {"SHAPE": "colours"}, 6),  # escapes and a carriage return, kept raw
    ],
)
def test_a_finished_log_is_verified(server, worker, client, page, redis_client,
                                    recipe, params, lines):
    build = start(client, recipe, **params)
    done = wait_for_state(redis_client, build, "succeeded")
    assert done["lines"] == lines
    assert isinstance(done["log_crc32"], int)
    page.goto(f"{server}/builds/{build}")
    expect_verified(page, lines)
    expect(page.locator("#connection")).to_have_text("finished")


def test_a_log_watched_live_is_verified(server, worker, client, page):
    build = start(client, "slow", LINES="80", DELAY="0.02")
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#connection")).to_have_text("live", timeout=30_000)
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect_verified(page, 80)
    assert_every_line_once(page, 80)


def test_a_changed_stored_line_shows_a_mismatch_in_red(server, worker, client, page,
                                                         redis_client):
    build = start(client, "slow", LINES="5", DELAY="0")
    wait_for_state(redis_client, build, "succeeded")
    redis_client.lset(store.lines_key(build), 0, f"{int(time.time() * 1000)} changed".encode())
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#build")).to_have_attribute("data-integrity", "mismatch", timeout=30_000)
    integrity = page.locator("#integrity")
    expect(integrity).to_have_text("this copy differs from the stored log")
    expect(integrity).to_have_css("color", RED)
    expect(page.locator("#L1 .text")).to_have_text("changed")
    reload = page.locator("#reload")
    expect(reload).to_be_visible()
    reload.click()  # the stored log is still changed: the page says so again
    expect(page.locator("#build")).to_have_attribute("data-integrity", "mismatch", timeout=30_000)


def watch_slow_build(page, url: str, lines: int, seen: int) -> int:
    """Start a build printing ``lines`` lines 50 ms apart and watch it in ``page``
    until it shows ``seen`` of them; returns its id."""
    response = page.request.post(
        f"{url}/api/builds",
        data={"recipe": "slow", "params": {"LINES": str(lines), "DELAY": "0.05"}},
    )
    build = response.json()["id"]
    page.goto(f"{url}/builds/{build}")
    wait_for_lines(page, seen)
    return build


def test_redis_away_is_shown_and_the_log_ends_whole(private_stack, page):
    private_redis, url, _ = private_stack
    watch_slow_build(page, url, 300, seen=40)
    expect(page.locator("#connection")).to_have_text("live")
    private_redis.stop()
    connection = page.locator("#connection")
    expect(connection).to_have_text("Redis unavailable — retrying", timeout=15_000)
    expect(connection).to_have_css("color", RED)
    expect(page.locator("#duration")).to_have_class(re.compile(r"\bstalled\b"))
    private_redis.start()
    expect(page.locator("#state")).to_have_text("succeeded", timeout=90_000)
    expect_verified(page, 300)
    wait_for_lines(page, 300)
    assert_every_line_once(page, 300)
    expect(page.locator("#duration")).not_to_have_class(re.compile(r"\bstalled\b"))


def test_a_frozen_worker_is_shown_counting_then_live_again(private_stack, page):
    _, url, worker = private_stack
    watch_slow_build(page, url, 200, seen=20)
    os.killpg(worker.pid, signal.SIGSTOP)  # the worker and its build, frozen
    try:
        connection = page.locator("#connection")
        expect(connection).to_have_text(re.compile(r"^worker not reporting \(\d+s\)$"),
                                        timeout=15_000)
        expect(page.locator("#duration")).to_have_class(re.compile(r"\bstalled\b"))
    finally:
        os.killpg(worker.pid, signal.SIGCONT)
    expect(connection).to_have_text("live", timeout=15_000)
    expect(page.locator("#state")).to_have_text("succeeded", timeout=60_000)
    expect_verified(page, 200)


def corrupt_archive(redis_client, archive_dir: str, build_id: int) -> None:
    """Change line 7 of the build's archive, keeping its shape, and let Redis forget
    the log, so every reader gets the changed archive."""
    name = redis_client.hget(store.build_key(build_id), "archive").decode()
    log_path, index_path = archive.paths(archive_dir, name)
    text = gzip.decompress(log_path.read_bytes())
    changed = re.sub(rb" line 7\n", b" line seven\n", text, count=1)
    assert changed != text
    log_path.write_bytes(gzip.compress(changed))
    index = json.loads(index_path.read_text())
    index["offsets"] = [0, log_path.stat().st_size]
    index_path.write_text(json.dumps(index))
    redis_client.delete(store.lines_key(build_id))


def test_a_changed_archive_is_reported_by_the_page_and_the_cli(
    server, worker, client, page, redis_client, settings
):
    build = start(client, "lines", LINES="50")
    wait_for_state(redis_client, build, "succeeded")
    wait_until(lambda: redis_client.hget(store.build_key(build), "archive"), 60,
               "the build to be archived")
    corrupt_archive(redis_client, settings["ARCHIVE_DIR"], build)
    page.goto(f"{server}/builds/{build}")
    expect(page.locator("#build")).to_have_attribute("data-integrity", "mismatch", timeout=30_000)
    expect(page.locator("#L7 .text")).to_have_text("line seven")
    code, out, err = run_cli(server, "tail", str(build))
    assert code == 3, err
    assert "line seven" in out.splitlines() and "differs from the one stored" in err
