"""The house rules a newcomer relies on: no Python function in app/ is longer than
60 lines, and no module of app/ imports itself back through others."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
MAX_LINES = 60


def modules() -> dict[str, ast.Module]:
    found = {}
    for path in APP.rglob("*.py"):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text())
    return found


def test_no_function_is_longer_than_sixty_lines():
    long = [
        f"{name}.{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for name, tree in modules().items()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_LINES
    ]
    assert long == []


def imports_of(tree: ast.Module, known: set[str]) -> set[str]:
    """The app modules a module imports, lazily or not (``from app import x`` of a
    submodule counts as that submodule, not the package)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{alias.name}" for alias in node.names}
            found |= subs & known
            if subs - known and node.module in known:
                found.add(node.module)
    return found


def cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    stack, seen = [(start, [start])], set()
    while stack:
        name, path = stack.pop()
        for target in graph[name]:
            if target == start:
                return path + [start]
            if target not in seen:
                seen.add(target)
                stack.append((target, path + [target]))
    return None


def test_no_module_imports_itself_back():
    trees = modules()
    graph = {name: imports_of(tree, set(trees)) - {name} for name, tree in trees.items()}
    cycles = [cycle for name in graph if (cycle := cycle_from(graph, name))]
    assert cycles == []
