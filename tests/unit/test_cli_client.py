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
