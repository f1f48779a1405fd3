"""Forty lines full of what changes on every run (times, durations, hex ids, UUIDs,
temporary paths, PIDs, the build's own id and workspace). VARIANT=1 differs from
VARIANT=0 in exactly three places: line 8 changed, a line inserted after line 20,
line 32 left out. FAIL=1 ends with exit code 1."""

import os
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone

variant = os.environ.get("VARIANT") == "1"
chance = random.Random()
build = os.environ["BUILDTAIL_BUILD_ID"]
scratch = tempfile.mkdtemp(prefix="diff-")


def hex_id() -> str:
    while True:
        word = f"{chance.getrandbits(40):010x}"
        if not word.isdigit() and any(char.isdigit() for char in word):
            return word


now = datetime.now(timezone.utc)
KINDS = [
    lambda n: f"{now.isoformat(timespec='milliseconds')} INFO step {n}",
    lambda n: f"{now:%a %b %d %H:%M:%S} UTC {now:%Y} step {n}",
    lambda n: f"step {n} took {chance.uniform(0.01, 9):.2f}s ({chance.randint(1, 999)}ms)",
    lambda n: f"step {n} ran {chance.randint(1, 9)}m {chance.randint(0, 59)}s, {now:%H:%M:%S}",
    lambda n: f"step {n} at commit {hex_id()}",
    lambda n: f"step {n} request {uuid.uuid4()}",
    lambda n: f"step {n} wrote {scratch}/out_{n}.txt",
    lambda n: f"step {n} worker pid {os.getpid()} pid={os.getpid()} runner[{os.getpid()}]: ok",
    lambda n: f"step {n} of build #{build}, BUILDTAIL_BUILD_ID={build}",
    lambda n: f"step {n} in {os.getcwd()}/src",
    lambda n: f"step {n} stamp {time.time_ns() // 1_000_000}",
]

for n in range(1, 41):
    if variant and n == 32:
        continue
    if variant and n == 8:
        print(f"step {n}: error: something changed here", flush=True)
    else:
        print(KINDS[n % len(KINDS)](n), flush=True)
    if variant and n == 20:
        print("an inserted line", flush=True)
os.rmdir(scratch)
sys.exit(1 if os.environ.get("FAIL") == "1" else 0)
