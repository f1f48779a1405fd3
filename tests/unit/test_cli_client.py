"""The command-line client's pure parts: its running checksum and what it says of liveness."""

from __future__ import annotations

import zlib

from app.client import Liveness, LogChecksum


def test_the_running_checksum_is_the_crc32_of_the_log_as_served():
    lines = ["line 1", "", "ünïcode ✓", "\x1b[31mred\x1b[0m"]
    checksum = LogChecksum()
    checksum.add(lines[:2])
    checksum.add(lines[2:])
    served = "".join(line + "\n" for line in lines).encode()
    assert checksum.value == zlib.crc32(served)
    build = {"lines": 4, "log_crc32": zlib.crc32(served)}
    assert checksum.differs_from(build) is False
    assert checksum.differs_from({**build, "log_crc32": zlib.crc32(b"other\n")}) is True
    assert checksum.differs_from({**build, "lines": 5}) is True
    assert checksum.differs_from({"lines": 4}) is None
    assert checksum.differs_from({"lines": 4, "log_crc32": None}) is None


def test_liveness_speaks_once_per_change_of_situation():
    liveness = Liveness()
    said = [
        liveness.health({"redis": "ok", "worker_silent_seconds": None}),
        liveness.health({"redis": "ok", "worker_silent_seconds": 8.2}),
        liveness.health({"redis": "ok", "worker_silent_seconds": 10.2}),
        liveness.disconnected(),
        liveness.disconnected(),
        liveness.redis_unavailable(),
        liveness.redis_unavailable(),
        liveness.no_answer(),
        liveness.no_answer(),
        liveness.subscribed(),
        liveness.health({"redis": "unavailable", "worker_silent_seconds": None}),
        liveness.health({"redis": "ok", "worker_silent_seconds": None}),
    ]
    assert said == [
        None,
        "worker not reporting (8s)",
        None,
        "reconnecting",
        None,
        "Redis unavailable — retrying",
        None,
        "the server does not answer — retrying",
        None,
        "worker not reporting (10s)",  # still silent, as last heard, until health says more
        "Redis unavailable — retrying",
        "live again",
    ]


# -- against the server -------------------------------------------------------


def test_only_colours_reach_a_terminal_and_nothing_escapes_a_pipe():
    from app.cli import terminal_text

    assert terminal_text("a\x1b[31mred\x1b[0m b", colour=True) == "a\x1b[31mred\x1b[0m b"
    assert terminal_text("a\x1b[31mred\x1b[0m b", colour=False) == "ared b"
    hostile = [
        "x\x1b[>4;2my",  # a private-mode CSI that ends in m is no colour
        "x\x9b2Jy",  # C1 CSI: a screen clear on terminals that read C1
        "x\x9d0;title\x07y",  # C1 OSC: a window title
        "x\x1b]52;c;Y2xpcA==\x07y",  # a clipboard write
        "x\x1bPqdcs\x1b\\y",
    ]
    for line in hostile:
        for colour in (True, False):
            shown = terminal_text(line, colour)
            assert shown.startswith("x") and shown.endswith("y")
            assert not any(ch == "\x1b" or "\x80" <= ch <= "\x9f" for ch in shown), repr(shown)
    assert terminal_text("10%\r55%\rdone", colour=False) == "done"
