"""Prints LINES lines of a build log, as a compiler and a test runner would, full of
what changes between runs: times, durations, hex ids, UUIDs, temporary paths, PIDs,
the build's id and workspace. VARIANT (0 or more) changes CHANGES lines spread
through the log; with STAMPED=1 every line starts with the time (the worst case)."""

import os
import random
import sys
import tempfile
import uuid
from datetime import datetime, timezone

total = int(os.environ["LINES"])
variant = int(os.environ.get("VARIANT") or 0)
changes = int(os.environ.get("CHANGES") or 3)
stamped = os.environ.get("STAMPED") == "1"
build = os.environ.get("BUILDTAIL_BUILD_ID", "0")
workspace = os.getcwd()
scratch = tempfile.mkdtemp(prefix="bench-")
chance = random.Random()  # differs on every run, as the volatile text does
changed = {total * (k + 1) // (changes + 1) for k in range(changes)} if variant else set()


def hex_id() -> str:
    """Twelve hex digits, a digit and a letter among them, as a short commit id has."""
    while True:
        word = f"{chance.getrandbits(48):012x}"
        if not word.isdigit() and any(char.isdigit() for char in word):
            return word


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def line(n: int) -> str:
    if n in changed:
        return f"src/module_{n}.c:12:5: error: variant {variant} changed this line"
    if n % 1000 == 0:
        return f"request {uuid.uuid4()} for build #{build} in {workspace}/src"
    if n % 100 == 0:
        return (f"uploaded {hex_id()} to {scratch}/artifact_{n}.tar "
                f"(pid={chance.randint(100, 99999)})")
    if n % 50 == 0:
        return f"{now()} INFO step {n}: done in {chance.uniform(0, 9):.2f}s"
    if n % 10 == 5:
        return ""
    if n % 10 == 7:
        return "  ok"
    if n % 3 == 0:
        return f"tests/test_mod_{n}.py::test_case PASSED ({chance.randint(1, 999)}ms)"
    return f"compiling src/module_{n}.c"


out = sys.stdout
for n in range(1, total + 1):
    text = line(n)
    out.write(f"{now()} {text}\n" if stamped else text + "\n")
out.flush()
os.rmdir(scratch)
