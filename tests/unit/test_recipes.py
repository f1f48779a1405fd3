"""Recipe patterns run on RE2; secret parameters keep their defaults to themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from app.recipes import (
    MAX_VALUE_CHARS,
    PatternError,
    RecipeError,
    RecipesFileError,
    compile_pattern,
    load_recipes,
    parse_recipes,
)

# A pattern that a backtracking engine takes exponential time to refuse
# "aaaa...a!" with; tests/recipes.toml's "words" recipe has it too.
EVIL = r"^([A-Za-z0-9]+\s?)*$"
HOSTILE = "a" * (MAX_VALUE_CHARS - 1) + "!"


def recipes_with(pattern: str, default: str | None = None, secret: bool = False) -> str:
    lines = [
        "[recipes.deploy]",
        'command = ["true"]',
        "[recipes.deploy.params.TOKEN]",
        f"pattern = '{pattern}'",
        f"secret = {'true' if secret else 'false'}",
    ]
    if default is not None:
        lines.append(f'default = "{default}"')
    return "\n".join(lines) + "\n"


def test_a_backreference_refuses_the_recipes_file_with_a_sentence(tmp_path):
    path = tmp_path / "recipes.toml"
    path.write_text(recipes_with(r"^(a+)\1$"))
    with pytest.raises(RecipesFileError) as refused:
        load_recipes(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: recipe 'deploy', parameter TOKEN: its pattern ^(a+)\\1$ ")
    assert "cannot be used: invalid escape sequence: \\1" in message
    assert "patterns are RE2 expressions" in message and "no backreferences," in message


@pytest.mark.parametrize("pattern", [r"^(?=a)a$", r"^(?<=a)b$", r"^(?!x)a$", r"^a\Z", r"^(?>a)$"])
def test_lookaround_and_other_backtracking_syntax_is_refused_at_load(pattern):
    with pytest.raises(RecipesFileError, match=r"recipe 'deploy', parameter TOKEN: its pattern"):
        parse_recipes(recipes_with(pattern), Path("."))


def test_the_app_does_not_start_on_such_a_file(tmp_path):
    path = tmp_path / "recipes.toml"
    path.write_text(recipes_with(r"^(a)\1$"))
    with pytest.raises(RecipesFileError, match="parameter TOKEN: its pattern"):
        create_app({"RECIPES_FILE": str(path), "REDIS_URL": "redis://127.0.0.1:1/0"})


def test_an_exponential_pattern_refuses_a_hostile_value_of_the_longest_kind():
    recipes = parse_recipes(recipes_with(EVIL, default="ok"), Path("."))
    with pytest.raises(RecipeError, match="TOKEN must match") as refused:
        recipes.check("deploy", {"TOKEN": HOSTILE})
    assert refused.value.field == "TOKEN"
    _, values = recipes.check("deploy", {"TOKEN": "two words"})
    assert values == {"TOKEN": "two words"}


def test_a_value_that_is_not_unicode_text_is_refused_not_an_error():
    recipes = parse_recipes(recipes_with("^.{1,10}$", default="ok"), Path("."))
    with pytest.raises(RecipeError, match="valid Unicode text"):
        recipes.check("deploy", {"TOKEN": "a\ud800b"})


def test_patterns_match_whole_values_as_before():
    recipes = parse_recipes(recipes_with("[0-9]{1,3}", default="1"), Path("."))
    for bad in ("1234", "12a", "1\n", ""):
        with pytest.raises(RecipeError):
            recipes.check("deploy", {"TOKEN": bad})
    assert recipes.check("deploy", {"TOKEN": "123"})[1] == {"TOKEN": "123"}


def test_a_default_that_does_not_match_is_still_refused():
    with pytest.raises(RecipesFileError, match="default does not match its own pattern"):
        parse_recipes(recipes_with("^[0-9]+$", default="x"), Path("."))


def test_compile_pattern_gives_named_groups_when_asked():
    problem = compile_pattern(r"(?P<file>[^:]+):(?P<line>[0-9]+): (?P<message>.*)", capture=True)
    match = problem.search("src/app.c:12: 'x' undeclared")
    assert match.group("file") == "src/app.c"
    assert match.group("line") == "12"
    assert match.group("message") == "'x' undeclared"
    assert compile_pattern(EVIL).fullmatch(HOSTILE) is None
    with pytest.raises(PatternError, match="invalid perl operator"):
        compile_pattern("(?=x)")


def test_a_secret_default_is_never_in_the_json():
    recipes = parse_recipes(
        recipes_with("^[a-z0-9-]{4,40}$", default="hidden-default", secret=True)
        + "[recipes.deploy.params.NAME]\npattern = '^[a-z]+$'\ndefault = \"public\"\n"
        + "[recipes.deploy.params.EMPTY]\npattern = '^[a-z]+$'\nsecret = true\n",
        Path("."),
    )
    params = {param["name"]: param for param in recipes.get("deploy").to_json()["params"]}
    assert params["TOKEN"]["default"] is None
    assert params["TOKEN"]["has_default"] is True
    assert "hidden-default" not in repr(params)
    assert params["NAME"]["default"] == "public"
    assert params["NAME"]["has_default"] is True
    assert params["EMPTY"]["has_default"] is False
    # The default still applies when the request leaves the secret out.
    assert recipes.check("deploy", {"EMPTY": "abc"})[1]["TOKEN"] == "hidden-default"
