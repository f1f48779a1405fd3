"""The CLI's words for how a build ended are the page's: the same cases
(tests/outcome_words_cases.json) pass app/outcome_words.py and outcome-words.js."""

import json
import re
from pathlib import Path

import pytest

from app.outcome_words import duration_words, outcome_words

CASES = json.loads((Path(__file__).parents[1] / "outcome_words_cases.json").read_text())


@pytest.mark.parametrize(("ms", "words"), CASES["durations"])
def test_durations(ms, words):
    assert duration_words(ms) == words


@pytest.mark.parametrize("case", CASES["outcomes"], ids=lambda case: case["case"])
def test_outcomes(case):
    assert outcome_words(case["build"]) == case["words"]


def test_nothing_known_about_the_build_gives_no_words():
    assert outcome_words({}) is None
    assert outcome_words({"state": "exploded"}) is None
    assert duration_words(float("nan")) is None


def test_every_reason_the_server_records_has_a_case():
    """A new ``reason=`` or ``Outcome(..., "reason")`` in the server needs its words here."""
    root = Path(__file__).parents[2] / "app"
    sources = "".join(path.read_text() for path in root.rglob("*.py"))
    recorded = set(re.findall(r'reason="([^"]+)"', sources))
    recorded |= set(re.findall(r'Outcome\(store\.\w+, f?"([^"]+)"', sources))
    covered = {case["build"]["reason"] for case in CASES["outcomes"]}
    assert recorded, "no reasons found: the pattern no longer reads the code"
    missing = [reason for reason in recorded
               if not any(re.fullmatch(re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(reason)), c or "")
                          for c in covered)]
    assert missing == []
