"""What rides along with live lines, against the real server and real Socket.IO clients:
a batch's annotations and steps, what a progress bar shows before its newline (a real
worker runs it), and channel messages of no known shape, which change nothing."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from app import store
from tests.support import wait_until
from tests.viewer import Viewer

pytestmark = [pytest.mark.integration, pytest.mark.socket]

ERROR = {"line": 4, "level": "error", "message": "boom", "file": "main.c", "line_in_file": 3}
WARNING = {"line": 6, "level": "warning", "message": "careful"}
STEP = {"title": "compile", "line": 4, "end_line": None, "depth": 0, "errors": 1,
        "started_at": "2026-12-04T03:00:00.000Z", "finished_at": None, "collapsed": False,
        "end_marker": False}


class LiveViewer(Viewer):
    """A viewer that also records ``partial`` events, in order with the rest."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.client.on("partial", lambda message: self.events.append(("partial", message)),
                       namespace="/builds")

    def of_kind(self, kind: str) -> list[dict]:
        return [message for k, message in list(self.events) if k == kind]

    def numbers(self) -> list[int]:
        return [number for number, _, _ in self.lines()]


def running_build(client) -> int:
    """A running build that no worker runs: the test writes its log as a worker would."""
    build_id = store.create_build(client, "lines", {"LINES": "1"})["id"]
    store.transition(client, build_id, [store.QUEUED],
                     {"state": store.RUNNING_STATE, "started_at": store.now_iso()})
    return build_id


def append(client, build_id: int, first: int, lines: list[str], stored_from: int | None = None,
           **header) -> None:
    """Store and publish lines as the worker does (list and channel in one step), with
    ``header``'s fields in the batch header; only lines ``stored_from``.. are stored."""
    entries = store.encode_entries(lines, [store.now_ms()] * len(lines)).split("\n")
    message = json.dumps({"type": "lines", "first": first, **header})
    if lines:
        message += "\n" + "\n".join(entries)
    stored = entries[(stored_from or first) - first:] if lines else []
    with client.pipeline(transaction=True) as pipe:
        if stored:
            pipe.rpush(store.lines_key(build_id), *stored)
        pipe.publish(store.build_channel(build_id), message)
        pipe.execute()


def live_viewer(url: str, build_id: int, lines: int) -> LiveViewer:
    """A viewer that has the first ``lines`` lines and hears live messages now."""
    viewer = LiveViewer(url)
    assert viewer.subscribe(build_id)["ok"]
    # The status goes out as the catch-up ends, nothing yielding before the switch to live.
    wait_until(lambda: viewer.of_kind("status") and len(viewer.lines()) == lines, 30,
               "the viewer to catch up")
    return viewer


def background_errors(url: str, loop: str) -> float:
    families = text_string_to_metric_families(requests.get(f"{url}/metrics").text)
    return sum(sample.value for family in families if family.name == "buildtail_background_errors"
               for sample in family.samples
               if sample.name.endswith("_total") and sample.labels.get("loop") == loop)


def test_live_lines_carry_their_batch_annotations_and_steps(server, redis_client):
    build_id = running_build(redis_client)
    append(redis_client, build_id, 1, ["one", "two", "three"])
    viewer = live_viewer(server, build_id, 3)
    assert all("annotations" not in m and "steps" not in m for m in viewer.of_kind("lines"))

    append(redis_client, build_id, 4, ["main.c:3: error: boom", "four"],
           annotations=[ERROR], steps=[STEP])
    wait_until(lambda: len(viewer.lines()) == 5, 30, "lines 4-5")
    batch = viewer.of_kind("lines")[-1]
    assert batch["first"] == 4 and batch["annotations"] == [ERROR] and batch["steps"] == [STEP]

    # A batch that starts with lines the viewer has: only what is new goes, with
    # the annotations of those lines; step records are latest states and all go.
    closed = {**STEP, "end_line": 7, "finished_at": "2026-12-04T03:00:09.000Z"}
    append(redis_client, build_id, 4, ["main.c:3: error: boom", "four", "careful", "end"],
           stored_from=6, annotations=[ERROR, WARNING, "junk"], steps=[closed])
    wait_until(lambda: len(viewer.lines()) == 7, 30, "lines 6-7")
    batch = viewer.of_kind("lines")[-1]
    assert batch["first"] == 6 and batch["lines"] == ["careful", "end"]
    assert batch["annotations"] == [WARNING] and batch["steps"] == [closed]

    append(redis_client, build_id, 8, ["plain"], annotations=[], steps="not a list")
    wait_until(lambda: len(viewer.lines()) == 8, 30, "line 8")
    assert set(viewer.of_kind("lines")[-1]) == {"build", "first", "lines", "times"}

    # The log's end closes the steps still open: a batch of records and no lines.
    ended = {**STEP, "line": 8, "end_line": 8}
    append(redis_client, build_id, 9, [], steps=[ended])
    wait_until(lambda: viewer.of_kind("lines")[-1]["first"] == 9, 30, "the closing records")
    assert viewer.of_kind("lines")[-1] == {"build": build_id, "first": 9, "lines": [],
                                           "times": [], "steps": [ended]}

    store.finish_build(redis_client, build_id, store.SUCCEEDED, exit_code=0,
                       retention_seconds=3600)
    assert viewer.finished.wait(30)
    assert viewer.numbers() == list(range(1, 9))
    # Lines read back from the list carry nothing: the page asks the API for those.
    later = LiveViewer(server)
    assert later.subscribe(build_id)["ok"]
    assert later.finished.wait(30)
    assert later.numbers() == list(range(1, 9))
    assert all("annotations" not in m and "steps" not in m for m in later.of_kind("lines"))
    viewer.close()
    later.close()


def test_a_progress_bar_shows_live_and_its_line_is_stored_as_written(server, worker, tmp_path):
    gate = tmp_path / "gate"
    response = requests.post(f"{server}/api/builds", json={
        "recipe": "partial-progress", "params": {"STEPS": "10", "DELAY": "0.05",
                                                 "GATE": str(gate)}})
    assert response.status_code == 202, response.text
    build_id = response.json()["id"]
    viewer = LiveViewer(server)
    assert viewer.subscribe(build_id)["ok"]
    # Held at half way, the bar's spinner turns until the gate opens.
    wait_until(lambda: any(m["text"].startswith("progress  50% ")
                           for m in viewer.of_kind("partial")), 60, "the bar's state, live")
    gate.touch()
    assert viewer.finished.wait(60)

    written = Path(f"{gate}.written").read_bytes().decode()
    expected = written.split("\n")[:-1]
    assert len(expected) == 3 and expected[1].startswith("\rprogress   0%")
    assert viewer.numbers() == [1, 2, 3]
    assert [text for _, text, _ in viewer.lines()] == expected
    log = requests.get(f"{server}/builds/{build_id}/log.txt").content
    assert log == written.encode()
    final = requests.get(f"{server}/api/builds/{build_id}").json()
    assert final["lines"] == 3 and final["log_crc32"] == zlib.crc32(log)

    partials = viewer.of_kind("partial")
    states = set(expected[1].split("\r")) - {""}
    assert all(m["build"] == build_id and m["line"] == 2 and m["text"] in states
               for m in partials)
    kinds = [kind for kind, _ in viewer.events]
    line_2 = next(i for i, (kind, m) in enumerate(viewer.events)
                  if kind == "lines" and m["first"] <= 2 < m["first"] + len(m["lines"]))
    assert "partial" not in kinds[line_2:]
    viewer.close()


def test_messages_of_no_known_shape_change_nothing(server, redis_client):
    build_id = running_build(redis_client)
    append(redis_client, build_id, 1, ["one", "two"])
    viewer = live_viewer(server, build_id, 2)
    errors = background_errors(server, "relay")
    channel = store.build_channel(build_id)
    for garbage in [b"not json", b"[1]", b"null", b'"text"', b"\xff\xfe", b'{"type": "nope"}',
                    b'{"type": "lines"}', b'{"type": "lines", "first": "3"}\n1 x',
                    b'{"type": "status", "build": 5}', b'{"type": "status"}',
                    b'{"type": "partial", "line": "3", "text": "x"}',
                    b'{"type": "partial", "line": 3}', b'{"type": "partial", "line": true}',
                    b'{"type": "partial", "line": 3, "text": ["x"]}']:
        redis_client.publish(channel, garbage)
    for garbage in [b'{"type": "build"}', b"[]", b'{"type": "build", "build": 1}']:
        redis_client.publish(store.EVENTS, garbage)

    # A progress state goes only to viewers whose newest line is the one before it.
    store.publish_partial(redis_client, build_id, 2, "stale")
    store.publish_partial(redis_client, build_id, 9, "ahead")
    store.publish_partial(redis_client, build_id, 3, "50%")
    append(redis_client, build_id, 3, ["three"])
    wait_until(lambda: len(viewer.lines()) == 3, 30, "line 3 after the garbage")
    assert viewer.of_kind("partial") == [{"build": build_id, "line": 3, "text": "50%"}]
    assert [kind for kind, _ in viewer.events][-2:] == ["partial", "lines"]

    store.finish_build(redis_client, build_id, store.SUCCEEDED, exit_code=0,
                       retention_seconds=3600)
    assert viewer.finished.wait(30)
    assert viewer.numbers() == [1, 2, 3]
    assert background_errors(server, "relay") == errors
    viewer.close()
