"""The log comparison's pure parts: what counts as volatile text, and the hunks."""

from __future__ import annotations

import difflib
import random

import pytest

from app.logdiff.hunks import compare, first_difference, grouped, opcodes
from app.logdiff.volatile import normalise

BUILD = 42

VOLATILE = [
    ("2026-12-04T03:20:42.123Z [INFO] start", "<time> [INFO] start"),
    ("2026-12-04 03:20:42,123 - root - INFO", "<time> - root - INFO"),
    ("2026/12/04 03:20:42 done", "<time> done"),
    ("Fri Dec  4 03:20:42 UTC 2026", "<time>"),
    ("Fri, 04 Dec 2026 03:20:42 +0000", "<time>"),
    ("04 Dec 2026 03:20:42,123 INFO", "<time> INFO"),
    ("Dec  4 03:20:42 host cron", "<time> host cron"),
    ("at 03:20:42 ok", "at <time> ok"),
    ("took 1.23s", "took <duration>"),
    ("12ms, 300µs, 5 seconds, 2 hours", "<duration>, <duration>, <duration>, <duration>"),
    ("1m 12s and 1h2m3s", "<duration> and <duration>"),
    ("elapsed 0:01:12", "elapsed <time>"),
    ("stamp 1733282442123", "stamp <time>"),
    ("commit 3f2a9c1d pushed", "commit <hex> pushed"),
    ("image DEADBEEF12 and 0x7ffd12ab", "image <hex> and <hex>"),
    ("id 123e4567-e89b-12d3-a456-426614174000", "id <uuid>"),
    ("wrote /tmp/tmpab12cd/out.txt", "wrote <tmp>"),
    ("see /var/tmp/x.log: ok", "see <tmp>: ok"),
    ("pid 123 pid=456 PID: 789", "pid <pid> pid=<pid> PID: <pid>"),
    ("sshd[1234]: accepted", "sshd[<pid>]: accepted"),
    ("build #42 started", "build #<build> started"),
    ("Build 42, build_id=42", "Build <build>, build_id=<build>"),
    ("BUILDTAIL_BUILD_ID=42", "BUILDTAIL_BUILD_ID=<build>"),
    ("see /builds/42", "see /builds/<build>"),
    ("cd /srv/var/workspaces/42-abc_12xy/src", "cd <workspace>/src"),
    ("\x1b[32mok\x1b[0m at \x1b[2m12:30:45\x1b[0m", "ok at <time>"),
]

STABLE = [
    "main.c:12:34: error: expected ';'",
    "deadbeef and defaced are words",
    "1234567 lines, 42 tests, #421, build 4242",
    "python 3.11.7, v1.2.3, x86_64",
    "3 messages in 2nd run",
    "TEST PASS",
]


@pytest.mark.parametrize(("raw", "expected"), VOLATILE)
def test_volatile_text_becomes_a_token(raw, expected):
    assert normalise([raw], BUILD) == [expected]


@pytest.mark.parametrize("raw", STABLE)
def test_text_that_matters_stays(raw):
    assert normalise([raw], BUILD) == [raw]


def test_only_the_builds_own_id_and_workspace_are_volatile():
    lines = ["build #7 of recipe", "/w/workspaces/7-abcdefgh/x", "/w/workspaces/8-abcdefgh/x"]
    assert normalise(lines, 7) == ["build #<build> of recipe", "<workspace>/x",
                                   "/w/workspaces/8-abcdefgh/x"]


def test_two_runs_compare_equal_line_for_line():
    first = ["2026-12-04T01:00:00Z build #41 in /x/41-aaaaaaaa: 1.5s pid=100 3f2a9c1d", "ok", ""]
    second = ["2026-12-05T09:30:12Z build #42 in /x/42-bbbbbbbb: 12ms pid=7 9e8d7c6b5", "ok", ""]
    assert normalise(first, 41) == normalise(second, 42)
    assert len(normalise(first, 41)) == 3


def as_dicts(lines_a, lines_b, context=3, max_lines=20_000):
    return compare(lines_a, lines_b, lines_a, lines_b, context, max_lines)


def test_identical_logs_have_no_hunks():
    lines = [f"line {n}" for n in range(100)]
    answer = as_dicts(lines, list(lines))
    assert answer["identical"] is True
    assert answer["hunks"] == [] and answer["first_difference"] is None
    assert answer["hunks_total"] == 0 and answer["truncated"] is False


def test_one_changed_line_with_context_and_both_line_numbers():
    a = [f"line {n}" for n in range(1, 21)]
    b = a[:9] + ["changed"] + a[10:]
    answer = as_dicts(a, b)
    assert answer["identical"] is False
    assert answer["first_difference"] == {"a": 10, "b": 10}
    [hunk] = answer["hunks"]
    assert (hunk["a_first"], hunk["a_count"], hunk["b_first"], hunk["b_count"]) == (7, 7, 7, 7)
    ops = [(line["op"], line["a"], line["b"]) for line in hunk["lines"]]
    assert ops == [("=", 7, 7), ("=", 8, 8), ("=", 9, 9), ("-", 10, None), ("+", None, 10),
                   ("=", 11, 11), ("=", 12, 12), ("=", 13, 13)]
    assert hunk["lines"][3]["text"] == "line 10" and hunk["lines"][4]["text"] == "changed"


def test_an_insertion_numbers_the_old_side_by_the_line_it_follows():
    a = ["one", "two", "three"]
    answer = as_dicts(a, ["one", "new", "two", "three"], context=0)
    [hunk] = answer["hunks"]
    assert (hunk["a_first"], hunk["a_count"], hunk["b_first"], hunk["b_count"]) == (1, 0, 2, 1)
    assert answer["first_difference"] == {"a": 1, "b": 2}


def test_text_shows_as_printed_while_keys_decide():
    a, b = ["12:00:01 start", "same"], ["12:30:45 start", "other"]
    keys_a, keys_b = normalise(a, 1), normalise(b, 2)
    answer = compare(a, b, keys_a, keys_b, 3)
    texts = [(line["op"], line["text"]) for line in answer["hunks"][0]["lines"]]
    assert texts == [("=", "12:30:45 start"), ("-", "same"), ("+", "other")]


def test_far_apart_changes_make_separate_hunks_and_near_ones_share():
    a = [f"line {n}" for n in range(100)]
    b = list(a)
    b[10], b[14], b[60] = "x", "y", "z"
    answer = as_dicts(a, b)
    assert answer["hunks_total"] == 2
    assert [h["a_first"] for h in answer["hunks"]] == [8, 58]


def test_a_huge_difference_is_cut_and_says_so():
    a = [f"a {n}" for n in range(5000)]
    b = [f"b {n}" for n in range(5000)]
    answer = as_dicts(a, b, max_lines=1000)
    assert answer["truncated"] is True
    assert sum(len(h["lines"]) for h in answer["hunks"]) == 1000
    assert answer["hunks"][0]["truncated"] is True


def test_hunks_past_the_cap_are_counted():
    a = [f"line {n}" for n in range(1000)]
    b = [f"changed {n}" if n % 100 == 50 else text for n, text in enumerate(a)]
    answer = as_dicts(a, b, max_lines=20)
    assert answer["hunks_total"] == 10
    assert len(answer["hunks"]) < 10 and answer["truncated"] is True


def test_grouping_agrees_with_difflib():
    chance = random.Random(14)
    for trial in range(200):
        a = [chance.choice("abcdefg") for _ in range(chance.randint(0, 40))]
        b = list(a)
        for _ in range(chance.randint(1, 4)):
            spot = chance.randint(0, len(b))
            if chance.random() < 0.5 or spot == len(b):
                b.insert(spot, f"new {trial}")
            else:
                del b[spot]
        codes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        for context in (0, 1, 3):
            expected = list(difflib.SequenceMatcher(None, a, b, autojunk=False)
                            .get_grouped_opcodes(context)) if a != b else []
            assert list(grouped(codes, context)) == expected


def test_patience_opcodes_rebuild_the_new_log():
    a = ["ok"] * 50 + ["unique a"] + ["ok"] * 50
    b = ["ok"] * 49 + ["unique b", "extra"] + ["ok"] * 50
    rebuilt = []
    for tag, i1, i2, j1, j2 in opcodes(a, b):
        rebuilt += a[i1:i2] if tag == "equal" else b[j1:j2]
    assert rebuilt == b
    assert first_difference(opcodes(a, b)) is not None
