"""Recipe patterns against the real server: a hostile value is refused while
everyone else is served (RE2 matches in linear time)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app.recipes import MAX_VALUE_CHARS

pytestmark = pytest.mark.integration

# Against ^([A-Za-z0-9]+\s?)*$ this took Python's re 2.6 s.
HOSTILE = "a" * (MAX_VALUE_CHARS - 1) + "!"


def test_a_hostile_value_is_refused_while_healthz_keeps_answering(server):
    def start():
        return requests.post(server + "/api/builds", timeout=60,
                             json={"recipe": "words", "params": {"MESSAGE": HOSTILE}})

    def health():
        return requests.get(server + "/healthz", timeout=60)

    with ThreadPoolExecutor(2) as pool:
        started, healthy = pool.submit(start), pool.submit(health)
        refused, answered = started.result(), healthy.result()
    assert refused.status_code == 400
    assert "(MESSAGE must match " in refused.json()["error"]
    assert answered.status_code == 200
    assert answered.json()["redis"] == "ok"
