"""A failing build as the build page's tests see one: Buildkite, GitHub and
GitLab steps (a GitHub group and a GitLab section nested in a Buildkite step),
a notice, a warning and two errors as workflow commands, DELAY seconds apart,
then WARNINGS more warnings, then exit code EXIT_CODE. The warning (line 5)
shows in an expanded step; the first error (line 9) sits in the collapsed
"Compile" group, the second (line 14) in the collapsed "Run tests" section."""

import os
import sys
import time

delay = float(os.environ["DELAY"])
warnings = int(os.environ["WARNINGS"])

LINES = [
    "--- Set up",
    "resolving dependencies",
    "::notice title=Cache::restored 120 packages from the cache",
    "+++ Build",
    "::warning file=src/main.c,line=3,col=7::unused variable 'x'",
    "::group::Compile",
    "cc -c src/main.c",
    "cc -c src/util.c",
    "::error file=src/util.c,line=12,col=5,title=Type error::expected int, got str",
    "::endgroup::",
    "\x1b[0Ksection_start:1700000000:tests[collapsed=true]\r\x1b[0KRun tests",
    "test_parse ... ok",
    "test_render ... FAILED",
    "::error file=tests/test_render.py,line=40::assertion failed: 2 != 3",
    "\x1b[0Ksection_end:1700000001:tests\r\x1b[0K",
    "2 tests, 1 failure: " + "a long line that goes on " * 12 + "and ends here",
]

for text in LINES:
    print(text, flush=True)
    time.sleep(delay)
for number in range(1, warnings + 1):
    print(f"::warning file=lint.txt,line={number}::style {number}")
print("done", flush=True)
sys.exit(int(os.environ["EXIT_CODE"]))
