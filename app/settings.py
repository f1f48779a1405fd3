"""Turn config.py defaults plus environment overrides into the app's settings."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from typing import Any

import config
from app.redis_connection import check_redis_settings


class ConfigError(ValueError):
    """A setting is missing or malformed; raised before anything starts."""


def _defaults() -> dict[str, Any]:
    return {name: getattr(config, name) for name in dir(config) if name.isupper()}


def _coerce(name: str, raw: str, default: Any) -> Any:
    """Convert an environment string to the type of the default it overrides."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    return raw


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then the environment, then ``overrides`` (which tests use)."""
    environ = os.environ if environ is None else environ
    settings = _defaults()
    for name, default in list(settings.items()):
        if name in environ:
            settings[name] = _coerce(name, environ[name], default)
    settings.update(overrides or {})
    if not settings["SECRET_KEY"]:
        if not is_loopback(str(settings["HOST"])):
            raise ConfigError(
                f"SECRET_KEY must be set when HOST ({settings['HOST']}) is not a loopback address"
            )
        settings["SECRET_KEY"] = secrets.token_hex(32)
    for name in ("PORT", "MAX_LINE_BYTES", "MAX_LOG_BYTES", "LOG_RETENTION_DAYS"):
        if int(settings[name]) <= 0:
            raise ConfigError(f"{name} must be positive")
    problems = check_redis_settings(settings)
    if problems:
        raise ConfigError("; ".join(problems))
    return settings


def retention_seconds(settings: Mapping[str, Any]) -> int:
    """How long a finished build and its log are kept."""
    return int(settings["LOG_RETENTION_DAYS"]) * 86400


def check_listening(settings: Mapping[str, Any]) -> None:
    """Refuse to serve beyond this machine without authentication: starting a
    build runs a command on the workers."""
    host = str(settings["HOST"])
    if is_loopback(host):
        return
    if not (settings["AUTH_USERS"] or settings["AUTH_PROXY_HEADER"] or settings["API_TOKENS"]):
        raise ConfigError(
            f"HOST {host} is not a loopback address: configure AUTH_USERS, "
            "AUTH_PROXY_HEADER or API_TOKENS first (see the README)"
        )
