"""``python -m app.logsearch REQUEST``: search a build's log, writing the API's
NDJSON records to stdout as they are found. REQUEST is a JSON object:
``build``, ``q``, ``regex``, ``case``, ``time_limit``. The web process runs
this (``runner``) so the scanning never holds up its event loop."""

from __future__ import annotations

import json
import os
import sys

from app.log_jobs import start_job
from app.logsearch.job import search_log
from app.logsearch.matcher import QueryError, Search
from app.redis_connection import redis_client


def write_record(record: dict) -> None:
    sys.stdout.buffer.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
    sys.stdout.buffer.flush()


def main(argv: list[str]) -> int:
    try:
        request = json.loads(argv[0]) if len(argv) == 1 else None
        search = Search(request["q"], bool(request["regex"]), bool(request["case"]))
        build_id, time_limit = int(request["build"]), float(request["time_limit"])
    except (ValueError, KeyError, TypeError, QueryError) as error:
        print(f"usage: python -m app.logsearch REQUEST ({error})", file=sys.stderr)
        return 2
    settings = start_job()
    client = redis_client(settings, "search", 3)
    search_log(client, settings["ARCHIVE_DIR"], build_id, search, write_record, time_limit)
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    os._exit(status)  # the answer is out: leave without freeing the windows
