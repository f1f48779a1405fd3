"""What the web process's short-lived log readers (``python -m app.logdiff``,
``python -m app.logsearch``) share: how they reach Redis and the archive (the
settings passed in their environment) and how they yield the CPU.

They run in child processes so their CPU time never holds up the web
process's event loop; they run at the lowest priority (Linux's idle policy,
else nice 19) so the server, Redis and the workers go first on a busy machine:
on two cores, a search at nice 10 raised live viewers' p99 latency by a fifth.
"""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.settings import load_settings

SETTINGS = (
    "REDIS_URL", "REDIS_TLS_CA_FILE", "REDIS_TLS_CERT_FILE", "REDIS_TLS_KEY_FILE",
    "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD", "ARCHIVE_DIR",
)
NICENESS = 19
ROOT = Path(__file__).resolve().parents[1]


def job_environment(settings: Mapping[str, Any]) -> dict[str, str]:
    """The environment a log reader is started with: ours, plus its settings."""
    return {**os.environ, **{name: str(settings[name]) for name in SETTINGS}}


def start_job_process(module: str, args: Sequence[str], env: Mapping[str, str]) -> Any:
    """``python -m module args`` in a session of its own (so its group can be killed
    as one), its output and errors piped back. In the gevent server ``subprocess``
    is gevent's: waiting for it lets every other greenlet run."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=dict(env),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )


def start_job() -> Any:
    """In the child: run only on time nothing else wants, stop the cycle
    collector (a short-lived process that makes no cycles would only walk its
    lines again and again), and return the settings its parent passed."""
    os.nice(NICENESS)
    with contextlib.suppress(AttributeError, OSError):  # Linux only
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    gc.disable()
    given = {name: os.environ[name] for name in SETTINGS if name in os.environ}
    return load_settings(given, environ={})
