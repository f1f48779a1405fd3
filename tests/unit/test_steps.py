"""The steps of a log from GitHub, GitLab and Buildkite markers."""

from __future__ import annotations

from app.marks import LogMarks
from app.steps import StepTracker, iso_from_ms, may_mark

ESC = "\x1b"


def run(lines: list[str], first: int = 1) -> dict[int, dict]:
    """Feed the lines (line N printed at N seconds) and close at the end: steps by line."""
    marks = LogMarks()
    _, changed = marks.scan(first, lines, [1000 * (first + i) for i in range(len(lines))])
    last = first + len(lines) - 1
    changed += marks.close(last, 1000 * last)
    return {step["line"]: step for step in changed}


def shape(step: dict) -> tuple:
    return (step["title"], step["end_line"], step["depth"], step["errors"], step["collapsed"],
            step["end_marker"])


def test_github_groups_nest_and_count_errors():
    steps = run(["::group::Outer", "::group::Inner %25", "x", "::error::bad", "::endgroup::",
                 "::endgroup::", "after"])
    assert shape(steps[1]) == ("Outer", 6, 0, 1, True, True)
    assert shape(steps[2]) == ("Inner %", 5, 1, 1, True, True)
    assert steps[1]["started_at"] == iso_from_ms(1000)
    assert steps[1]["finished_at"] == iso_from_ms(6000)


def test_gitlab_sections_by_name_an_end_closes_what_opened_inside():
    steps = run([
        f"{ESC}[0Ksection_start:1:build[collapsed=true]\r{ESC}[0K{ESC}[1mBuild it{ESC}[0m",
        f"{ESC}[0Ksection_start:1:sub\r{ESC}[0K",
        "::group::gh",
        "work",
        f"{ESC}[0Ksection_end:2:build\r{ESC}[0K",
        "section_end:3:unknown",
    ])
    assert shape(steps[1]) == ("Build it", 5, 0, 0, True, True)
    assert shape(steps[2]) == ("sub", 4, 1, 0, False, False)
    assert shape(steps[3]) == ("gh", 4, 2, 0, True, False)
    assert len(steps) == 3


def test_gitlab_end_and_start_on_one_line():
    steps = run(["section_start:1:a\r\x1b[0KA",
                 "section_end:2:a\r\x1b[0Ksection_start:2:b\r\x1b[0KB", "x"])
    assert shape(steps[1]) == ("A", 2, 0, 0, False, True)
    assert shape(steps[2]) == ("B", 3, 0, 0, False, False)


def test_buildkite_headers_end_the_previous_and_can_be_expanded_later():
    steps = run(["--- one", "x", "+++ two", "~~~ three", "^^^ +++", "::group::in three", "y",
                 "::endgroup::", "--- four", "last"])
    assert shape(steps[1]) == ("one", 2, 0, 0, True, False)
    assert shape(steps[3]) == ("two", 3, 0, 0, False, False)
    assert shape(steps[4]) == ("three", 8, 0, 0, False, False)
    assert shape(steps[6]) == ("in three", 8, 1, 0, True, True)
    assert shape(steps[9]) == ("four", 10, 0, 0, True, False)
    assert steps[9]["finished_at"] == iso_from_ms(10_000)


def test_buildkite_inside_a_group_stays_at_its_level():
    steps = run(["::group::g", "--- a", "--- b", "::endgroup::", "--- c"])
    assert shape(steps[2]) == ("a", 2, 1, 0, True, False)
    assert shape(steps[3]) == ("b", 3, 1, 0, True, False)
    assert shape(steps[1]) == ("g", 4, 0, 0, True, True)
    assert shape(steps[5]) == ("c", 5, 0, 0, True, False)


def test_batches_hand_back_only_what_changed_and_open_steps_have_no_end():
    marks = LogMarks()
    _, first = marks.scan(1, ["::group::g", "a"], [0, 0])
    assert [(s["line"], s["end_line"], s["finished_at"]) for s in first] == [(1, None, None)]
    assert marks.scan(3, ["b", "c"], [0, 0]) == ([], [])
    found, changed = marks.scan(5, ["::error::x"], [0])
    assert [s["errors"] for s in changed] == [1] and len(found) == 1
    assert marks.close(5, 0)[0]["end_line"] == 5
    assert marks.close(5, 0) == []


def test_stray_ends_and_empty_lines_change_nothing():
    tracker = StepTracker()
    for number, text in enumerate(["::endgroup::", "^^^ +++", "section_end:1:x", ""], 1):
        tracker.feed(number, text, 0)
    assert tracker.take() == [] and tracker.open == []


def test_the_cheap_line_test():
    assert not may_mark("plain line - with + signs")
    assert all(map(may_mark, ["::group::x", "a section_start:1:x", "--- a", "~~~ b", "^^^ +++"]))
