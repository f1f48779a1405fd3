"""Steps in every syntax: nested GitHub groups, nested GitLab sections closed by the
outer one's end, Buildkite headers (collapsed, expanded, expanded later), a group
inside a Buildkite step, and one step left open at the end. Waits for GATE, if named."""

import os
import time

ESC = "\x1b"
gate = os.environ.get("GATE", "")
while gate and not os.path.exists(gate):
    time.sleep(0.05)
stamp = int(time.time())
lines = [
    "before",  # 1
    "::group::Outer",  # 2
    "::group::Inner %25 title",  # 3
    "inside inner",  # 4
    "::error::in inner",  # 5
    "::endgroup::",  # 6
    "::endgroup::",  # 7
    f"{ESC}[0Ksection_start:{stamp}:build[collapsed=true]\r{ESC}[0K{ESC}[1mBuild it{ESC}[0m",  # 8
    f"{ESC}[0Ksection_start:{stamp}:sub\r{ESC}[0K",  # 9
    "::group::gh inside",  # 10
    "sub work",  # 11
    f"{ESC}[0Ksection_end:{stamp}:build\r{ESC}[0K",  # 12
    "--- bk one",  # 13
    "x",  # 14
    "+++ bk two",  # 15
    "::warning::w",  # 16
    "~~~ bk three",  # 17
    "^^^ +++",  # 18
    "::group::in bk three",  # 19
    "y",  # 20
    "::endgroup::",  # 21
    "--- bk four",  # 22
    "last line",  # 23
]
for line in lines:
    print(line, flush=True)
    time.sleep(0.02)
