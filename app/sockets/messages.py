"""What a message on a build's channel must hold before the relay acts on it, and
what of a batch's annotations and steps goes out with its ``lines`` event.

Workers write the channel, but a message that does not fit (from a worker of
another version, or typed into redis-cli) must never stop the relay's reader:
it is recognised here and ignored.
"""

from __future__ import annotations

from typing import Any

LINES, STATUS, PARTIAL = "lines", "status", "partial"


def _whole(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def kind_of(event: Any) -> str | None:
    """``lines``, ``status`` or ``partial`` for a message the relay can act on, else None."""
    if not isinstance(event, dict):
        return None
    kind = event.get("type")
    if kind == LINES:
        fits = _whole(event.get("first"), 1)
    elif kind == STATUS:
        build = event.get("build")
        fits = (isinstance(build, dict) and isinstance(build.get("state"), str)
                and _whole(build.get("lines"), 0))
    elif kind == PARTIAL:
        fits = _whole(event.get("line"), 1) and isinstance(event.get("text"), str)
    else:
        fits = False
    return kind if fits else None


def live_extras(event: dict[str, Any], sent_from: int) -> dict[str, list]:
    """The ``annotations`` and ``steps`` of a live batch for a viewer sent its lines
    from ``sent_from`` on; absent when there are none.

    Annotations of the lines it already had are left out: it got those lines
    from the list, and their annotations from the API. Every step record goes:
    it is its step's state as of the batch's last line, and replaces any
    earlier record of the step the viewer holds.
    """
    extras: dict[str, list] = {}
    annotations = event.get("annotations")
    if isinstance(annotations, list) and annotations:
        if sent_from > event["first"]:
            annotations = [a for a in annotations
                           if isinstance(a, dict) and _whole(a.get("line"), sent_from)]
        if annotations:
            extras["annotations"] = annotations
    steps = event.get("steps")
    if isinstance(steps, list) and steps:
        extras["steps"] = steps
    return extras
