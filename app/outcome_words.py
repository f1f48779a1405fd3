"""How a finished build ended, in words: ``failed: exit code 2 after 1m 12s``,
``cancelled by alice (SIGTERM) after 40s``.

The CLI says what the page says (app/static/src/outcome-words.js): both pass
the cases in tests/outcome_words_cases.json. Never ``exit code -15``: a signal
is named.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from app.store import CANCELLED, FINISHED_STATES, SUCCEEDED

# Reasons the server records (app/execution/outcome.py, app/execution/lifecycle.py,
# app/reaper.py) that end a command that ran, so how long it ran belongs to them.
RAN = re.compile(r"exit code \d+|killed by .*|worker lost|internal error")
NEGATIVE_EXIT = re.compile(r"exit code -\d+")


def duration_words(ms: float | None) -> str | None:
    """``40s``, ``1m 12s``, ``10m``, ``1h 2m`` (whole units, rounded down); None for none."""
    if ms is None or ms != ms or ms < 0 or ms == float("inf"):
        return None
    seconds = int(ms // 1000)
    if seconds < 60:
        return f"{seconds}s"
    minutes, second = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m" + (f" {second}s" if second else "")
    hours, minute = divmod(minutes, 60)
    return f"{hours}h" + (f" {minute}m" if minute else "")


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


def _ran_for(build: dict[str, Any]) -> str | None:
    started, finished = build.get("started_at"), build.get("finished_at")
    if not started or not finished:
        return None
    start, end = _moment(started), _moment(finished)
    if start is None or end is None:
        return None
    return duration_words((end - start).total_seconds() * 1000)


def _signal_name(build: dict[str, Any]) -> str:
    return build.get("signal") or f"signal {-build['exit_code']}"


def _failure(build: dict[str, Any]) -> str:
    """What ended a failed build, in the record's words, but a signal by its name."""
    reason, code = build.get("reason") or "", build.get("exit_code")
    killed = isinstance(code, int) and code < 0
    if killed and (not reason or NEGATIVE_EXIT.fullmatch(reason)):
        return f"killed by {_signal_name(build)}"
    if not reason and isinstance(code, int) and code > 0:
        return f"exit code {code}"
    return reason


def _stopped_by(build: dict[str, Any]) -> str:
    """`` (SIGTERM)`` or `` (exit code 143)``: how the command took being stopped."""
    code = build.get("exit_code")
    if not isinstance(code, int) or code == 0:
        return ""
    return f" ({_signal_name(build) if code < 0 else f'exit code {code}'})"


def outcome_words(build: dict[str, Any]) -> str | None:
    """The sentence for a finished build; None while it is queued or running."""
    if not isinstance(build, dict) or build.get("state") not in FINISHED_STATES:
        return None
    took = _ran_for(build)
    after = "" if took is None else f" after {took}"
    if build["state"] == SUCCEEDED:
        return "succeeded" + after
    if build["state"] == CANCELLED:
        by = f" by {build['cancelled_by']}" if build.get("cancelled_by") else ""
        if not build.get("started_at"):
            return f"cancelled{by} before it started"
        return f"cancelled{by}{_stopped_by(build)}{after}"
    reason = _failure(build)
    if reason == "timed out":
        return "timed out" + after
    if not reason:
        return "failed" + after
    if RAN.fullmatch(reason):
        return f"failed: {reason}{after}"
    return f"failed: {reason}"
