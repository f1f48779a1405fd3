"""``python -m app.logdiff BUILD AGAINST CONTEXT``: print the JSON comparing two
builds' logs. The web process runs this (``runner``) so the comparison's CPU
time never holds up its event loop; Redis and the archive are reached with the
settings it passes in the environment (``job.SETTINGS``)."""

from __future__ import annotations

import gc
import json
import os
import sys

from app.logdiff.job import SETTINGS, compare_builds
from app.settings import load_settings

# Comparing is background work: the server and the workers go first on a busy machine.
NICENESS = 10


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not all(arg.isascii() and arg.isdigit() for arg in argv):
        print("usage: python -m app.logdiff BUILD AGAINST CONTEXT", file=sys.stderr)
        return 2
    build_id, against, context = (int(arg) for arg in argv)
    os.nice(NICENESS)
    # A short-lived process that makes no reference cycles: collecting would only
    # walk its hundreds of thousands of lines again and again.
    gc.disable()
    given = {name: os.environ[name] for name in SETTINGS if name in os.environ}
    settings = load_settings(given, environ={})
    answer = compare_builds(settings, build_id, against, context)
    sys.stdout.write(json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    # Leave without freeing both logs line by line: the answer is out.
    os._exit(status)
