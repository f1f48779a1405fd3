"""Which channel messages the relay acts on, and what of a batch's annotations and
steps goes with the lines a viewer is sent."""

import pytest

from app.sockets.messages import kind_of, live_extras

ERROR = {"line": 4, "level": "error", "message": "boom"}
WARNING = {"line": 6, "level": "warning", "message": "careful"}
STEP = {"title": "compile", "line": 3, "end_line": 6}


@pytest.mark.parametrize(("message", "kind"), [
    ({"type": "lines", "first": 1, "lines": [], "times": []}, "lines"),
    ({"type": "status", "build": {"state": "running", "lines": 0}}, "status"),
    ({"type": "partial", "line": 3, "text": ""}, "partial"),
    ({"type": "lines", "first": 0}, None),
    ({"type": "lines", "first": True}, None),
    ({"type": "status", "build": {"state": "running"}}, None),
    ({"type": "partial", "line": 3, "text": None}, None),
    ({"type": "partial", "line": "3", "text": "x"}, None),
    ({"type": "build", "build": {}}, None),
    ({"first": 1}, None),
    ([1], None),
    (None, None),
])
def test_kinds(message, kind):
    assert kind_of(message) == kind


def test_a_whole_batch_carries_what_it_has_and_nothing_else():
    batch = {"type": "lines", "first": 4, "annotations": [ERROR, WARNING], "steps": [STEP]}
    assert live_extras(batch, 4) == {"annotations": [ERROR, WARNING], "steps": [STEP]}
    assert live_extras({"type": "lines", "first": 4}, 4) == {}
    assert live_extras({"first": 4, "annotations": [], "steps": {"line": 3}}, 4) == {}


def test_the_rest_of_a_batch_carries_the_annotations_of_its_lines_and_every_step():
    batch = {"type": "lines", "first": 4, "annotations": [ERROR, WARNING, "junk", {"line": "6"}],
             "steps": [STEP]}
    assert live_extras(batch, 5) == {"annotations": [WARNING], "steps": [STEP]}
    assert live_extras({**batch, "steps": []}, 7) == {}
