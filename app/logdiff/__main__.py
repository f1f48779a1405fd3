"""``python -m app.logdiff BUILD AGAINST CONTEXT``: print the JSON comparing two
builds' logs. The web process runs this (``runner``) so the comparison's CPU
time never holds up its event loop; Redis and the archive are reached with the
settings it passes in the environment (``app.log_jobs``)."""

from __future__ import annotations

import json
import os
import sys

from app.log_jobs import start_job
from app.logdiff.job import compare_builds


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not all(arg.isascii() and arg.isdigit() for arg in argv):
        print("usage: python -m app.logdiff BUILD AGAINST CONTEXT", file=sys.stderr)
        return 2
    build_id, against, context = (int(arg) for arg in argv)
    settings = start_job()
    answer = compare_builds(settings, build_id, against, context)
    sys.stdout.write(json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    # Leave without freeing both logs line by line: the answer is out.
    os._exit(status)
