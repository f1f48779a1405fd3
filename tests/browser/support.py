"""What the browser tests share: starting a build as a client would, and reading
what the build page holds."""

from __future__ import annotations


def start(client, recipe, **params) -> int:
    """Start a build through the JSON API and return its id."""
    response = client.post("/api/builds", json={"recipe": recipe, "params": params})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def received(page) -> int:
    return int(page.get_attribute("#build", "data-lines") or 0)


def wait_for_lines(page, count: int, timeout: float = 60_000) -> None:
    page.wait_for_function(
        "n => Number(document.getElementById('build').dataset.lines || 0) >= n",
        arg=count, timeout=timeout,
    )


def assert_every_line_once(page, total: int) -> None:
    assert received(page) == total
    assert page.get_attribute("#build", "data-repeats") is None
    assert page.get_attribute("#build", "data-gaps") is None
