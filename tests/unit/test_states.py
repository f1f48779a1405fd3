"""A build's states are named once in Python (app/store.py) and once for the pages
(app/static/src/states.js): the two lists agree."""

from __future__ import annotations

import re
from pathlib import Path

from app import store
from app.sockets.cursor import STATE_RANK

STATES_JS = Path(__file__).resolve().parents[2] / "app/static/src/states.js"


def test_the_page_scripts_know_the_same_final_states_as_the_store():
    declared = re.search(r"FINISHED = new Set\(\[([^\]]*)\]\)", STATES_JS.read_text())
    assert declared, "states.js declares FINISHED"
    assert set(re.findall(r'"([a-z]+)"', declared.group(1))) == store.FINISHED_STATES


def test_every_state_has_a_rank_and_final_states_rank_last():
    assert set(STATE_RANK) == store.FINISHED_STATES | {store.QUEUED, store.RUNNING_STATE}
    assert {STATE_RANK[state] for state in store.FINISHED_STATES} == {max(STATE_RANK.values())}
