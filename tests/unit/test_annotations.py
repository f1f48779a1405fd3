"""GitHub workflow commands and problem-pattern matches as annotations."""

from __future__ import annotations

import os

import pytest

from app.annotations import (
    count_levels,
    parse_command,
    problem_annotation,
    unescape_data,
    unescape_property,
)
from app.archive import delete_expired, marks_path, paths
from app.marks import LogMarks, may_hold_marks
from app.output import SecretMasker
from app.recipes import compile_pattern


def test_every_property_and_escape():
    line = ("::error file=src/app.py,line=10,endLine=12,col=5,endColumn=9,"
            "title=Bad%2C very%3A bad::first%0Asecond%25 done%0D")
    assert parse_command(7, line) == {
        "line": 7, "level": "error", "message": "first\nsecond% done\r",
        "file": "src/app.py", "line_in_file": 10, "end_line_in_file": 12,
        "col": 5, "end_col": 9, "title": "Bad, very: bad",
    }


@pytest.mark.parametrize("level", ["error", "warning", "notice"])
def test_each_level_with_no_properties(level):
    assert parse_command(1, f"::{level}::msg") == {"line": 1, "level": level, "message": "msg"}


def test_escapes_are_undone_in_one_pass():
    assert unescape_data("%250A") == "%0A"
    assert unescape_data("%3A%2C") == "%3A%2C"  # only properties know these
    assert unescape_property("a%3Ab%2Cc%25") == "a:b,c%"


def test_leading_space_empty_message_and_bad_numbers():
    assert parse_command(2, "   ::warning file=x.py,line=oops,col=::indented") == {
        "line": 2, "level": "warning", "message": "indented", "file": "x.py"}
    assert parse_command(3, "::error::") == {"line": 3, "level": "error", "message": ""}
    assert parse_command(4, "::error title=a=b,bogus=1::m")["title"] == "a=b"


@pytest.mark.parametrize("line", [
    "::debug::not an annotation", "::erro::no", "text ::error::not at the start",
    "::error no end", "::ERROR::upper case", "", "::",
])
def test_lines_that_are_not_commands(line):
    assert parse_command(1, line) is None


def test_problem_match_fills_fields_and_defaults_the_message_to_the_line():
    pattern = compile_pattern(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)$",
                              capture=True)
    line = "lib/util.c:7:3: bad thing"
    assert problem_annotation(9, line, "error", pattern.search(line)) == {
        "line": 9, "level": "error", "message": "bad thing", "file": "lib/util.c",
        "line_in_file": 7, "col": 3}
    bare = compile_pattern("^WARN ", capture=True)
    assert problem_annotation(1, "WARN disk", "warning", bare.search("WARN disk")) == {
        "line": 1, "level": "warning", "message": "WARN disk"}


def test_count_levels():
    found = [{"level": "error"}, {"level": "notice"}, {"level": "error"}]
    assert count_levels(found) == {"error": 2, "warning": 0, "notice": 1}


def test_a_batch_without_marks_is_refused_by_the_cheap_test():
    assert not may_hold_marks("12:00 build: a - b + c ~ d ^ e\nsection 2\n-- x")
    for text in ("a\n::error::x", "x section_start:1:a", "--- a", "a\n+++ b", "a\n^^^ +++"):
        assert may_hold_marks(text), text


def test_an_unescaped_secret_in_an_annotation_is_masked():
    secret = "s3:cr%t,t0ken"
    masker = SecretMasker([secret])
    line = "::error title=s3%3Acr%25t%2Ct0ken::token s3:cr%25t,t0ken and " + secret
    (annotation,), _ = LogMarks(masker=masker).scan(1, masker.mask([line]), [0])
    assert annotation["title"] == "***"
    assert annotation["message"] == "token *** and ***"


def test_colour_codes_do_not_hide_a_command_and_numbering_starts_at_first():
    marks = LogMarks()
    found, _ = marks.scan(41, ["plain", "\x1b[31m::warning::red\x1b[0m"], [0, 0])
    assert found == [{"line": 42, "level": "warning", "message": "red"}]


def test_the_retention_sweep_deletes_annotations_and_steps_with_the_log(tmp_path):
    files = [*paths(tmp_path, "7-00112233aabbccdd"), marks_path(tmp_path, "7-00112233aabbccdd")]
    for path in files:
        path.write_text("x")
        os.utime(path, (1, 1))
    assert sorted(delete_expired(tmp_path, 3600)) == sorted(files)
