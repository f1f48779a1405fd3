"""How a build ended, in the words its record keeps."""

from __future__ import annotations

from dataclasses import dataclass

from app import store


@dataclass
class Outcome:
    state: str
    reason: str | None = None
    exit_code: int | None = None


def describe_exit(code: int) -> Outcome:
    """Succeeded for 0; otherwise failed, with the exit code or the signal's name."""
    if code == 0:
        return Outcome(store.SUCCEEDED, None, 0)
    if code < 0:
        return Outcome(store.FAILED, f"killed by {store.signal_name(-code)}", code)
    return Outcome(store.FAILED, f"exit code {code}", code)
