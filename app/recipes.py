"""The operator's build recipes: loading recipes.toml and checking a request against it.

No command text ever comes from a request: a request names a recipe and fills
its declared parameters, each checked against the recipe's pattern.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import re2

from app.annotations import LEVELS, PROBLEM_GROUPS
from app.backtracking import catastrophic_part

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PARAM_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
RECIPE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
DEFAULT_QUEUE = "celery"  # Celery's own default queue
MAX_VALUE_CHARS = 4096
DEFAULT_TIMEOUT = 3600


class RecipeError(ValueError):
    """A request that names an unknown recipe or gives bad parameters.

    ``field`` names the offending form field (``recipe`` or a parameter name)
    so a form can show the message next to it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RecipesFileError(ValueError):
    """recipes.toml is missing or malformed: an operator's mistake, raised at start."""


class PatternError(ValueError):
    """A regular expression that RE2 cannot run; the message says why."""


RE2_LIMITS = (
    "patterns are RE2 expressions, which match in time linear in the text: no backreferences,"
    " lookaround, atomic groups or possessive quantifiers, and repeat counts of at most 1000"
)


def compile_pattern(pattern: str, capture: bool = False) -> Any:
    """Compile ``pattern`` with RE2 or raise PatternError saying why it cannot.

    RE2 never backtracks: a match takes time linear in the length of the
    text (times the size of the pattern at worst), so no value or log line
    can make a check explode. Without ``capture`` groups are not recorded,
    which keeps a yes-or-no check on RE2's fastest path; with it, a match
    also gives its groups (``match.group("file")``).
    """
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    options.never_capture = not capture
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        reason = error.args[0] if error.args else "RE2 refused it"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(f"{reason} ({RE2_LIMITS})") from None
    except UnicodeEncodeError:
        raise PatternError("it is not valid Unicode text") from None


def _shortened(value: str, most: int = 40) -> str:
    return value if len(value) <= most else value[: most - 1] + "…"


@dataclass(frozen=True)
class Param:
    name: str
    default: str | None
    pattern: str
    description: str = ""
    secret: bool = False  # never shown: masked in logs, the API and pages
    # ``pattern`` compiled once, at load, by compile_pattern.
    matcher: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.matcher is None:
            object.__setattr__(self, "matcher", compile_pattern(self.pattern))

    def matches(self, value: str) -> bool:
        """Whether ``value`` matches the whole pattern, in time linear in its length."""
        return self.matcher.fullmatch(value) is not None

    def refusal(self, value: str) -> str:
        """Why ``value`` is refused, in the words of the parameter's description,
        with its pattern as a hint; a secret value is never repeated."""
        shown = "this value" if self.secret else repr(_shortened(value))
        label = self.description.strip() or self.name
        return f"{label}: {shown} is not valid ({self.name} must match {self.pattern})"

    def to_json(self) -> dict[str, Any]:
        """The parameter as the API shows it: a secret's default is never shown,
        only whether it has one."""
        return {
            "name": self.name,
            "default": None if self.secret else self.default,
            "has_default": self.default is not None,
            "pattern": self.pattern,
            "description": self.description,
            "secret": self.secret,
        }


@dataclass(frozen=True)
class Problem:
    """A problem pattern: a line it matches is an annotation of ``level``; its named
    groups (file, line, col, message, title) fill the annotation's fields."""

    pattern: str
    level: str
    # ``pattern`` compiled once, at load, with its groups.
    matcher: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    command: tuple[str, ...]
    timeout: int
    params: dict[str, Param] = field(default_factory=dict)
    # Variables the command gets from the worker's own environment; their
    # values are secrets, masked in the log like secret parameters.
    secret_env: tuple[str, ...] = ()
    # The Celery queue its builds go to; workers pick queues with -Q.
    queue: str = DEFAULT_QUEUE
    # Problem patterns, applied to each log line as it is written.
    problems: tuple[Problem, ...] = ()

    @property
    def secret_params(self) -> frozenset[str]:
        return frozenset(name for name, param in self.params.items() if param.secret)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "timeout": self.timeout,
            "params": [param.to_json() for param in self.params.values()],
        }

    def check_params(self, given: Any) -> dict[str, str]:
        """Return the full parameter values (defaults filled in) or raise RecipeError."""
        if given is None:
            given = {}
        if not isinstance(given, Mapping):
            raise RecipeError("params must be an object of parameter names to values", "params")
        for name in given:
            if name not in self.params:
                known = ", ".join(self.params) or "none"
                raise RecipeError(
                    f"recipe {self.name!r} has no parameter {str(name)[:64]!r} (known: {known})",
                    str(name)[:64],
                )
        values = {}
        for name, param in self.params.items():
            value = given.get(name, param.default)
            if value is None:
                raise RecipeError(f"{name} is required", name)
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                raise RecipeError(f"{name} must be a string", name)
            if len(value) > MAX_VALUE_CHARS:
                raise RecipeError(f"{name} is longer than {MAX_VALUE_CHARS} characters", name)
            try:
                matched = param.matches(value)
            except UnicodeEncodeError:  # a lone surrogate, which JSON can carry
                raise RecipeError(f"{name} must be valid Unicode text", name) from None
            if not matched:
                raise RecipeError(param.refusal(value), name)
            values[name] = value
        return values


class Recipes:
    """All recipes of one recipes file, by name."""

    def __init__(self, recipes: dict[str, Recipe]) -> None:
        self._recipes = recipes

    def __iter__(self):
        return iter(self._recipes.values())

    def __len__(self) -> int:
        return len(self._recipes)

    def get(self, name: str) -> Recipe | None:
        return self._recipes.get(name)

    def check(self, recipe_name: Any, params: Any) -> tuple[Recipe, dict[str, str]]:
        """Check a start request; return the recipe and its full parameter values."""
        if not isinstance(recipe_name, str) or not recipe_name:
            raise RecipeError("recipe must be the name of a recipe", "recipe")
        recipe = self._recipes.get(recipe_name)
        if recipe is None:
            known = ", ".join(self._recipes) or "none"
            raise RecipeError(f"unknown recipe {recipe_name[:64]!r} (known: {known})", "recipe")
        return recipe, recipe.check_params(params)

    def queues(self) -> list[str]:
        return sorted({recipe.queue for recipe in self} | {DEFAULT_QUEUE})

    def longest_timeout(self) -> int:
        return max((recipe.timeout for recipe in self), default=DEFAULT_TIMEOUT)


def _resolve_argument(argument: str, base: Path) -> str:
    if argument.startswith(("./", "../")):
        return str((base / argument).resolve())
    return argument


def _parse_param(recipe: str, name: str, table: Any) -> Param:
    where = f"recipes.{recipe}.params.{name}"
    if not PARAM_NAME.fullmatch(name):
        raise RecipesFileError(f"{where}: parameter names are UPPER_CASE environment names")
    if not isinstance(table, dict):
        raise RecipesFileError(f"{where} must be a table")
    default = table.get("default")
    if default is not None and not isinstance(default, str):
        raise RecipesFileError(f"{where}.default must be a string")
    pattern = table.get("pattern")
    if not isinstance(pattern, str):
        raise RecipesFileError(f"{where}.pattern is required (a regular expression)")
    try:
        matcher = compile_pattern(pattern)
    except PatternError as error:
        raise RecipesFileError(
            f"recipe {recipe!r}, parameter {name}: its pattern {pattern} cannot be used: {error}"
        ) from None
    if default is not None and matcher.fullmatch(default) is None:
        raise RecipesFileError(f"{where}.default does not match its own pattern")
    secret = table.get("secret", False)
    if not isinstance(secret, bool):
        raise RecipesFileError(f"{where}.secret must be true or false")
    return Param(name, default, pattern, str(table.get("description", "")), secret, matcher)


def _parse_recipe(name: str, table: Any, base: Path) -> Recipe:
    where = f"recipes.{name}"
    if not RECIPE_NAME.fullmatch(name):
        raise RecipesFileError(f"{where}: recipe names are letters, digits, '-', '_' and '.'")
    if not isinstance(table, dict):
        raise RecipesFileError(f"{where} must be a table")
    command = table.get("command")
    if (
        not isinstance(command, list)
        or not command
        or not all(isinstance(arg, str) and arg for arg in command)
    ):
        raise RecipesFileError(f"{where}.command must be a non-empty list of strings")
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0:
        raise RecipesFileError(f"{where}.timeout must be a positive number of seconds")
    params_table = table.get("params", {})
    if not isinstance(params_table, dict):
        raise RecipesFileError(f"{where}.params must be a table")
    params = {key: _parse_param(name, key, value) for key, value in params_table.items()}
    secret_env = table.get("secret_env", [])
    if not isinstance(secret_env, list) or not all(
        isinstance(item, str) and PARAM_NAME.fullmatch(item) for item in secret_env
    ):
        raise RecipesFileError(f"{where}.secret_env must be a list of UPPER_CASE variable names")
    queue = table.get("queue", DEFAULT_QUEUE)
    if not isinstance(queue, str) or not RECIPE_NAME.fullmatch(queue):
        raise RecipesFileError(f"{where}.queue must be a queue name (letters, digits, -_.)")
    problems = _parse_problems(name, table.get("problems", []))
    return Recipe(
        name=name,
        description=str(table.get("description", "")),
        command=tuple(_resolve_argument(arg, base) for arg in command),
        timeout=timeout,
        params=params,
        secret_env=tuple(secret_env),
        queue=queue,
        problems=problems,
    )


def _parse_problems(recipe: str, problems: Any) -> tuple[Problem, ...]:
    where = f"recipes.{recipe}.problems"
    if not isinstance(problems, list):
        raise RecipesFileError(f"{where} must be a list of {{pattern = '...', level = \"error\"}}")
    return tuple(_parse_problem(recipe, f"{where}[{index}]", entry)
                 for index, entry in enumerate(problems))


def _parse_problem(recipe: str, where: str, entry: Any) -> Problem:
    if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str):
        raise RecipesFileError(f"{where} must be a table with a pattern (a regular expression)")
    pattern, level = entry["pattern"], entry.get("level", "error")
    if level not in LEVELS:
        raise RecipesFileError(f"{where}.level must be one of {', '.join(LEVELS)}")
    unknown = set(entry) - {"pattern", "level"}
    if unknown:
        raise RecipesFileError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    try:
        matcher = compile_pattern(pattern, capture=True)
    except PatternError as error:
        raise RecipesFileError(
            f"recipe {recipe!r}: its problem pattern {pattern} cannot be used: {error}"
        ) from None
    extra = set(matcher.groupindex) - set(PROBLEM_GROUPS)
    if extra:
        raise RecipesFileError(
            f"recipe {recipe!r}: its problem pattern {pattern} names groups"
            f" {', '.join(sorted(extra))}; the known ones are {', '.join(PROBLEM_GROUPS)}"
        )
    if matcher.search("") is not None:
        raise RecipesFileError(
            f"recipe {recipe!r}: its problem pattern {pattern} matches an empty line,"
            " so every line would be a problem"
        )
    risky = catastrophic_part(pattern)
    if risky is not None:
        raise RecipesFileError(
            f"recipe {recipe!r}: its problem pattern {pattern} would backtrack catastrophically"
            f" in a backtracking engine (PCRE, Python, Java, JavaScript): {risky} can match the"
            " same text in exponentially many ways; rewrite it so that no repetition holds"
            " another that can match the same characters, as in (a+)+, (\\w*)* or (a|aa)+"
        )
    return Problem(pattern, level, matcher)


def parse_recipes(text: str, base: Path) -> Recipes:
    """Parse recipes.toml text; relative command paths resolve against ``base``."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RecipesFileError(f"not valid TOML: {error}") from None
    table = document.get("recipes")
    if not isinstance(table, dict) or not table:
        raise RecipesFileError("it defines no [recipes.<name>] table")
    return Recipes({name: _parse_recipe(name, value, base) for name, value in table.items()})


def load_recipes(path: str | Path) -> Recipes:
    """Read and parse the recipes file, naming the file in any error."""
    path = Path(path).resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RecipesFileError(f"cannot read recipes file {path}: {error.strerror}") from None
    try:
        return parse_recipes(text, path.parent)
    except RecipesFileError as error:
        raise RecipesFileError(f"{path}: {error}") from None
