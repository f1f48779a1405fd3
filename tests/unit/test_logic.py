"""Pure logic: recipes, line splitting, the no-gap cursor rule, settings."""

from pathlib import Path

import pytest

from app.output import LineSplitter
from app.recipes import RecipeError, RecipesFileError, parse_recipes
from app.settings import ConfigError, load_settings
from app.sockets.cursor import GAP, is_newer_state, new_part

RECIPES = """
[recipes.demo]
command = ["python3", "./scripts/demo.py"]
[recipes.demo.params.LINES]
default = "20"
pattern = '^[0-9]{1,6}$'
"""


def test_recipe_parameters_are_checked_by_full_match():
    recipes = parse_recipes(RECIPES, Path("/srv/recipes"))
    recipe, values = recipes.check("demo", {})
    assert values == {"LINES": "20"}
    assert recipe.command == ("python3", "/srv/recipes/scripts/demo.py")
    for bad in ("12a", "1\n", "1234567", ""):
        with pytest.raises(RecipeError) as error:
            recipes.check("demo", {"LINES": bad})
        assert error.value.field == "LINES"


def test_unknown_recipe_and_parameter_are_refused():
    recipes = parse_recipes(RECIPES, Path("."))
    with pytest.raises(RecipeError, match="unknown recipe"):
        recipes.check("nope", {})
    with pytest.raises(RecipeError, match="no parameter"):
        recipes.check("demo", {"EVIL": "1"})
    with pytest.raises(RecipeError, match="must be a string"):
        recipes.check("demo", {"LINES": [1]})


def test_bad_recipes_file_names_the_problem():
    with pytest.raises(RecipesFileError, match="command"):
        parse_recipes("[recipes.x]\ncommand = 'rm -rf /'\n", Path("."))


def test_splitter_joins_chunks_and_splits_long_lines():
    splitter = LineSplitter(max_line_bytes=8)
    assert splitter.feed(b"ab") == []
    assert splitter.feed(b"c\r\nd\xffe\n") == ["abc", "d\ufffde"]
    pieces = splitter.feed("ééééééé\n".encode())
    assert all(len(piece.encode()) <= 8 for piece in pieces)
    assert "".join(pieces) == "ééééééé"
    assert splitter.feed(b"tail") == []
    assert splitter.finish() == ["tail"]


def test_cursor_never_repeats_or_skips():
    assert new_part(sent=0, first=1, count=5) == 0
    assert new_part(sent=3, first=1, count=5) == 3
    assert new_part(sent=5, first=1, count=5) is None
    assert new_part(sent=5, first=7, count=2) == GAP
    assert is_newer_state("succeeded", "running")
    assert not is_newer_state("running", "succeeded")


def test_settings_need_a_secret_key_off_loopback():
    with pytest.raises(ConfigError):
        load_settings(environ={"HOST": "0.0.0.0"})
    settings = load_settings(environ={"PORT": "6000"})
    assert settings["PORT"] == 6000 and len(settings["SECRET_KEY"]) == 64
