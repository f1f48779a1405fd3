"""Hostile build output through a real command and a real Redis: nothing breaks, nothing is lost."""

from __future__ import annotations

import pytest

from app import create_app, store
from app.execution import execute_build

pytestmark = pytest.mark.integration


def run(app, recipe: str, **params: str) -> tuple[dict, list[str]]:
    client = app.extensions["buildtail"].redis
    build = store.create_build(client, recipe, params)
    done = execute_build(client, build["id"], app.extensions["buildtail"].recipes, app.config)
    lines, _ = store.read_lines(client, build["id"], 0, 100_000)
    return done, lines


def test_a_10_mb_line_is_split_at_max_line_bytes(app):
    done, lines = run(app, "raw", MODE="huge")
    limit = int(app.config["MAX_LINE_BYTES"])
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
