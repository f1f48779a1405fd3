"""Child processes that lead a process group of their own: started, signalled and
stopped as one, with whatever they started. Builds, the launcher's children, the
tests' servers and the benchmarks' stacks all go through here."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from typing import IO, Any


def start_group(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike,
    env: Mapping[str, str],
    stdout: int | IO[Any] | None,
    stdin: int | None = subprocess.DEVNULL,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen:
    """Start ``args`` in a new session, stderr merged into ``stdout``: it leads its own
    process group, so a signal to the group reaches everything it started and a
    Ctrl-C in our terminal never reaches it."""
    return subprocess.Popen(
        list(args), cwd=cwd, env=dict(env), stdin=stdin, stdout=stdout,
        stderr=subprocess.STDOUT, start_new_session=True, pass_fds=tuple(pass_fds),
    )


def signal_group(process: subprocess.Popen, signum: int) -> None:
    """Send ``signum`` to the child's whole group; a group that is gone is no error."""
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_group(
    process: subprocess.Popen, grace: float, signum: int = signal.SIGTERM
) -> None:
    """Send ``signum`` (SIGTERM) to the group; after ``grace`` seconds, SIGKILL
    whatever of it is left. A child already reaped is left alone: its process
    group id may belong to someone else by now."""
    if process.returncode is not None:
        return
    signal_group(process, signum)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    signal_group(process, signal.SIGKILL)
    process.wait()
