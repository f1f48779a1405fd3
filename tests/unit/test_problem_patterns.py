"""Problem patterns in recipes: compiled once, refused at load when a backtracking
engine would take exponential time on them, and applied to lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.backtracking import catastrophic_part
from app.marks import LogMarks
from app.recipes import RecipesFileError, load_recipes, parse_recipes

CATASTROPHIC = {
    r"(a+)+": "(a+)+",
    r"^(\w*)*$": r"(\w*)*",
    r"(a|aa)+": "(a|aa)+",
    r"(?:a*)+b": "(?:a*)+",
    r"^(\w+\s?)*:": r"(\w+\s?)*",
    r"(\d|\w)+x": r"(\d|\w)+",
    r"x(a?a)+y": "(a?a)+",
    r"(ab*|b)+": "(ab*|b)+",
    r"(.*a){20}": "(.*a){20}",
    r"(?i)(a|A)+": "(a|A)+",
    r"^(([a-z])+.)+[A-Z]([a-z])+$": "(([a-z])+.)+",
}
SAFE = [
    r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*)$",
    r"(?P<file>\S+?)\((?P<line>\d+),(?P<col>\d+)\): (?P<message>.*)",
    r'"(?:[^"\\]|\\.)*"',
    r"([\w.-]+/)*[\w.-]+",
    r"(\s+\S+)*",
    r"(\d+\.)+\d+",
    r"(\d{1,3}\.){3}\d{1,3}",
    r"(a+b+)+",
    r"\d+\d+",  # polynomial, not exponential
    r"(foo|bar)+",
    r"(a|A)+",
    r"(a?)*",
    r"[(a+)+]",
    r"\Q(a+)+\E",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_found_and_the_part_named(pattern):
    assert catastrophic_part(pattern) == CATASTROPHIC[pattern]


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_pass(pattern):
    assert catastrophic_part(pattern) is None


def recipes_with(problems: str) -> str:
    return f'[recipes.build]\ncommand = ["true"]\nproblems = [{problems}]\n'


def test_a_recipes_file_with_a_catastrophic_pattern_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "recipes.toml"
    path.write_text(recipes_with(r"""{pattern = '^(\w+\s?)*: error', level = "error"}"""))
    with pytest.raises(RecipesFileError) as refused:
        load_recipes(path)
    message = str(refused.value)
    assert str(path) in message
    assert "recipe 'build': its problem pattern ^(\\w+\\s?)*: error would backtrack" in message
    assert "(\\w+\\s?)* can match the same text in exponentially many ways" in message


@pytest.mark.parametrize(("problems", "says"), [
    ("""{pattern = '(', level = "error"}""", "cannot be used: missing )"),
    ("""{pattern = 'x', level = "fatal"}""", "level must be one of error, warning, notice"),
    ("""{pattern = '(?P<msg>x)'}""", "names groups msg; the known ones are"),
    ("""{pattern = 'x', colour = "red"}""", "has unknown keys: colour"),
    ("""{level = "error"}""", "must be a table with a pattern"),
    ("""{pattern = 'x*'}""", "matches an empty line, so every line would be a problem"),
])
def test_bad_problem_entries_are_refused(problems, says):
    with pytest.raises(RecipesFileError, match=None) as refused:
        parse_recipes(recipes_with(problems), Path("."))
    assert says in str(refused.value)


def test_problem_patterns_are_compiled_once_and_applied_to_each_line():
    recipe = parse_recipes(recipes_with(
        r"""{pattern = '^(?P<file>[^:\s]+):(?P<line>\d+): error: (?P<message>.*)$'},
            {pattern = '^WARN ', level = "warning"}"""), Path(".")).get("build")
    assert [problem.level for problem in recipe.problems] == ["error", "warning"]
    marks = LogMarks(recipe.problems)
    lines = ["ok", "a.c:3: error: boom", "\x1b[33mWARN\x1b[0m low disk", "xa.c:3: error"]
    found, _ = marks.scan(10, lines, [0] * 4)
    assert found == [
        {"line": 11, "level": "error", "message": "boom", "file": "a.c", "line_in_file": 3},
        {"line": 12, "level": "warning", "message": "WARN low disk"},
    ]
    assert marks.scan(14, ["nothing here"], [0]) == ([], [])


def test_a_pattern_anchored_to_the_whole_text_is_applied_line_by_line():
    recipe = parse_recipes(recipes_with(r"""{pattern = '\Aerror\z'}"""), Path(".")).get("build")
    found, _ = LogMarks(recipe.problems).scan(1, ["x", "error", "errors"], [0] * 3)
    assert [annotation["line"] for annotation in found] == [2]
