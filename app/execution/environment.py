"""What a build's command may see of the worker's environment: almost nothing."""

from __future__ import annotations

import os

# Variables a command inherits from the worker; everything else it gets from
# its recipe's parameters, so a worker's secrets never reach a build.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME", "TMPDIR")


def command_env(
    build_id: int, params: dict[str, str], secret_env: tuple[str, ...] = ()
) -> dict[str, str]:
    """The inherited variables, the ``secret_env`` a recipe asks for, and its parameters."""
    env = {name: os.environ[name] for name in INHERITED_ENV + secret_env if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env["PYTHONUNBUFFERED"] = "1"
    env["BUILDTAIL_BUILD_ID"] = str(build_id)
    env.update(params)
    return env
