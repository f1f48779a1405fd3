"""Annotations and steps, found by a real worker as it writes the log: live in the
`lines` events of a real Socket.IO client, in the API and the build JSON, and the
same once the log is served from its archive."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from app import store
from app.execution.log_writer import LogWriter
from app.output import SecretMasker
from tests.support import ROOT, free_port, service_env, wait_for_state, wait_until
from tests.viewer import Viewer

pytestmark = [pytest.mark.integration, pytest.mark.socket]

NOTICES = 1200  # more than one block of the archive's offsets
COMMANDS = [
    {"line": 2, "level": "error", "message": "first\nsecond% done\r", "file": "src/app.py",
     "line_in_file": 10, "end_line_in_file": 12, "col": 5, "end_col": 9,
     "title": "Bad, very: bad"},
    {"line": 3, "level": "warning", "message": "plain warning"},
    {"line": 4, "level": "notice", "message": "a notice", "title": "FYI"},
    {"line": 5, "level": "warning", "message": "indented", "file": "x.py"},
    {"line": 6, "level": "error", "message": ""},
    # The secret parameter, escaped in the title and plain in the message: masked in both.
    {"line": 12, "level": "error", "message": "the token is ***", "title": "***"},
] + [{"line": 12 + n, "level": "notice", "message": f"note {n}"} for n in range(1, NOTICES + 1)]
COUNTS = {"error": 3, "warning": 2, "notice": NOTICES + 1}
# Line -> (title, end_line, depth, errors, collapsed, end_marker) of steps_all.py's steps.
STEPS = {
    2: ("Outer", 7, 0, 1, True, True),
    3: ("Inner % title", 6, 1, 1, True, True),
    8: ("Build it", 12, 0, 0, True, True),
    9: ("sub", 11, 1, 0, False, False),
    10: ("gh inside", 11, 2, 0, True, False),
    13: ("bk one", 14, 0, 0, True, False),
    15: ("bk two", 16, 0, 0, False, False),
    17: ("bk three", 21, 0, 0, False, False),
    19: ("in bk three", 21, 1, 0, True, True),
    22: ("bk four", 23, 0, 0, True, False),  # open at the end: closed at the last line
}


def start(url: str, recipe: str, **params) -> dict:
    response = requests.post(f"{url}/api/builds", json={"recipe": recipe, "params": params})
    assert response.status_code == 202, response.text
    return response.json()


def api(url: str, path: str, status: int = 200) -> dict:
    response = requests.get(f"{url}/api{path}", timeout=30)
    assert response.status_code == status, response.text
    return response.json()


def watched_run(url: str, recipe: str, gate, **params) -> tuple[dict, Viewer]:
    """A build whose every line a viewer hears live: it subscribes before the
    script, waiting for ``gate``, prints anything."""
    build = start(url, recipe, GATE=str(gate), **params)
    viewer = Viewer(url)
    assert viewer.subscribe(build["id"])["ok"]
    gate.touch()
    assert viewer.finished.wait(120), "no final status"
    viewer.close()
    return build, viewer


def live(viewer: Viewer, field: str) -> list[dict]:
    return [item for kind, message in viewer.events if kind == "lines"
            for item in message.get(field, [])]


def served_from_the_archive(client, build_id: int) -> None:
    """Wait for the server's archiver, then let Redis forget the log as its TTL would."""
    wait_until(lambda: client.hget(store.build_key(build_id), "archive"), 60,
               f"build {build_id} to be archived")
    client.delete(*store.log_keys(build_id))


def pages(url: str, build_id: int, limit: int) -> list[dict]:
    found, after = [], 0
    while True:
        page = api(url, f"/builds/{build_id}/annotations?after={after}&limit={limit}")
        assert page["total"] == len(COMMANDS) and page["counts"] == COUNTS
        if not page["annotations"]:
            return found
        found += page["annotations"]
        after += len(page["annotations"])


def test_every_workflow_command_live_in_the_api_and_from_the_archive(
    server, worker, redis_client, tmp_path
):
    build, viewer = watched_run(server, "annotate-all", tmp_path / "go",
                                 NOTICES=str(NOTICES))
    build_id = build["id"]
    assert live(viewer, "annotations") == COMMANDS
    assert api(server, f"/builds/{build_id}")["annotations"] == COUNTS
    first = api(server, f"/builds/{build_id}/annotations")
    assert first == {"build": build_id, "annotations": COMMANDS[:1000], "counts": COUNTS,
                     "total": len(COMMANDS)}
    assert pages(server, build_id, 97) == COMMANDS
    probes = ["?after=990&limit=20", "?after=1205", "?after=5000", "?limit=999999999"]
    answers = [api(server, f"/builds/{build_id}/annotations{probe}") for probe in probes]
    assert answers[0]["annotations"] == COMMANDS[990:1010]
    assert answers[2]["annotations"] == [] and answers[2]["total"] == len(COMMANDS)
    assert answers[3]["annotations"] == COMMANDS  # a limit above the maximum is clamped
    for bad in ("?after=-1", "?limit=0", "?after=x"):
        assert "error" in api(server, f"/builds/{build_id}/annotations{bad}", 400)
    api(server, "/builds/999999999/annotations", 404)

    served_from_the_archive(redis_client, build_id)
    assert api(server, f"/builds/{build_id}/annotations") == first
    assert [api(server, f"/builds/{build_id}/annotations{probe}") for probe in probes] == answers
    assert pages(server, build_id, 333) == COMMANDS
    assert api(server, f"/builds/{build_id}")["annotations"] == COUNTS


def test_steps_of_every_syntax_live_in_the_api_and_from_the_archive(
    server, worker, redis_client, tmp_path
):
    build, viewer = watched_run(server, "steps-all", tmp_path / "go")
    build_id = build["id"]
    answer = api(server, f"/builds/{build_id}/steps")
    steps = answer["steps"]
    assert answer["build"] == build_id
    assert [step["line"] for step in steps] == sorted(STEPS)
    for step in steps:
        assert (step["title"], step["end_line"], step["depth"], step["errors"],
                step["collapsed"], step["end_marker"]) == STEPS[step["line"]], step
        assert step["started_at"] <= step["finished_at"]
    finished = api(server, f"/builds/{build_id}")
    assert finished["started_at"] <= steps[0]["started_at"]
    assert steps[-1]["finished_at"] <= finished["finished_at"]
    assert finished["annotations"] == {"error": 1, "warning": 1, "notice": 0}
    latest = {}
    for record in live(viewer, "steps"):  # a later record for a line replaces the earlier
        latest[record["line"]] = record
    assert [latest[line] for line in sorted(latest)] == steps

    served_from_the_archive(redis_client, build_id)
    assert api(server, f"/builds/{build_id}/steps") == answer


def test_problem_patterns_annotate_lines_as_the_worker_writes_them(server, worker, redis_client):
    build = start(server, "annotate-problems")
    wait_for_state(redis_client, build["id"], store.FINISHED_STATES)
    found = api(server, f"/builds/{build['id']}/annotations")["annotations"]
    assert {"line": 10, "level": "error", "message": "bad thing", "file": "lib/util.c",
            "line_in_file": 7, "col": 3} in found
    assert {"line": 11, "level": "warning", "message": "WARN disk almost full"} in found
    assert api(server, f"/builds/{build['id']}")["annotations"] == {
        "error": 4, "warning": 3, "notice": 1}


def test_a_server_refuses_a_recipes_file_with_a_catastrophic_problem_pattern(settings, tmp_path):
    recipes = tmp_path / "recipes.toml"
    recipes.write_text('[recipes.risky]\ncommand = ["true"]\n'
                       "problems = [{pattern = '^(\\w+\\s?)*: error'}]\n")
    env = service_env({**settings, "RECIPES_FILE": str(recipes)}, PORT=str(free_port()))
    result = subprocess.run([sys.executable, "server.py"], cwd=ROOT, env=env, timeout=60,
                            capture_output=True, text=True)
    assert result.returncode != 0
    refusal = "recipe 'risky': its problem pattern ^(\\w+\\s?)*: error would backtrack"
    assert refusal in result.stderr
    assert "Traceback" not in result.stderr


def running_build(client) -> int:
    build_id = store.create_build(client, "lines", {})["id"]
    store.transition(client, build_id, [store.QUEUED], {"state": store.RUNNING_STATE})
    return build_id


def test_lines_held_back_by_the_budget_give_no_annotations(redis_client):
    """Past MAX_LOG_BYTES only the last 1000 held-back lines are stored at the end:
    the annotations are those of stored lines, under their stored numbers."""
    build_id = running_build(redis_client)
    writer = LogWriter(redis_client, build_id, 100, SecretMasker(["hunter22"]))
    lines = ["::error::hunter22 leaked"] + [f"::warning::held {n}" for n in range(1, 1501)]
    writer.write(lines, [store.now_ms()] * len(lines))
    writer.finish()
    stored, _ = store.read_lines(redis_client, build_id, 0, 5000)
    found = store.read_stored_annotations(redis_client, build_id, 0, 5000).items
    assert found[0] == {"line": 1, "level": "error", "message": "*** leaked"}
    expected = [{"line": number, "level": "warning", "message": text[len("::warning::"):]}
                for number, text in enumerate(stored, 1) if text.startswith("::warning::")]
    assert found[1:] == expected
    assert len(expected) < 1100 and "held 400" not in [a["message"] for a in expected]
    build = store.get_build(redis_client, build_id)
    assert build["annotations"] == {"error": 1, "warning": len(expected), "notice": 0}


def test_an_append_applied_twice_stores_and_counts_its_annotations_once(redis_client):
    build_id = running_build(redis_client)
    annotation = {"line": 1, "level": "notice", "message": "once"}
    step = {"title": "s", "line": 1, "end_line": None, "depth": 0, "started_at": None,
            "finished_at": None, "errors": 0, "collapsed": True, "end_marker": False}
    for _ in range(2):
        store.append_lines(redis_client, build_id, 1, ["::notice::once"], [store.now_ms()],
                           annotations=[annotation], steps=[step])
    assert store.read_stored_annotations(redis_client, build_id, 0, 10).total == 1
    assert store.read_stored_steps(redis_client, build_id).items == [step]
    assert store.get_build(redis_client, build_id)["annotations"]["notice"] == 1
