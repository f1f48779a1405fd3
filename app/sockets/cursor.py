"""Which lines of a batch a subscriber still needs: the rule that forbids gaps and repeats."""

from __future__ import annotations

from app.store import FINISHED_STATES, QUEUED, RUNNING_STATE

GAP = -1

# A state is only ever followed by a later one: queued, running, then final.
STATE_RANK = {QUEUED: 0, RUNNING_STATE: 1, **{state: 2 for state in FINISHED_STATES}}


def new_part(sent: int, first: int, count: int) -> int | None:
    """How many leading lines of batch ``first``.. to skip, for a subscriber that has ``sent``.

    None: the batch holds nothing new. GAP: the batch starts beyond the next
    line the subscriber needs, so it must re-read from the list instead.
    A subscriber is only ever sent line ``sent + 1`` next, so whatever the
    order batches arrive in, it can neither miss nor repeat a line.
    """
    if first > sent + 1:
        return GAP
    skip = sent + 1 - first
    return skip if skip < count else None


def is_newer_state(state: str, last: str | None) -> bool:
    """States only move forward; a status that is not ahead of the last one sent is old news."""
    if last is None:
        return True
    return STATE_RANK.get(state, 0) > STATE_RANK.get(last, 0)
