"""Turn config.py defaults plus environment overrides into the app's settings.

``load_settings`` converts and checks every value once, when the app is
created, and returns one frozen ``Settings``: code reads ``settings.LEASE_SECONDS``
as the int it is, never casts, and a bad value stops the start with a sentence.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import config
from app.redis_connection import check_redis_settings


class ConfigError(ValueError):
    """A setting is missing or malformed; raised before anything starts."""


# More digits than any setting needs; Python refuses int() of 4,300 or more.
MAX_DIGITS = 18

# The names a browser uses for this machine: trusted on a loopback HOST when
# TRUSTED_HOSTS is empty. A rebinding page's own name never is one of them.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")

_HOST = re.compile(
    r"(?P<name>[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?"
)


@dataclass(frozen=True)
class TrustedHost:
    """One TRUSTED_HOSTS entry: a name (``.example.com`` also takes its subdomains)
    and a port, or None for any port."""

    name: str
    port: int | None = None

    def matches(self, name: str, port: int) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.name.startswith("."):
            return name == self.name[1:] or name.endswith(self.name)
        return name == self.name


def split_host(value: str) -> tuple[str, int | None] | None:
    """``name``, ``name:port``, ``[v6]`` or ``[v6]:port`` as (lower-case name, port);
    None when it is none of these."""
    match = _HOST.fullmatch(value.strip().lower())
    if match is None:
        return None
    name, port = match["name"], match["port"]
    if port is not None and not 1 <= int(port) <= 65535:
        return None
    if name.startswith("["):
        try:
            name = f"[{ipaddress.IPv6Address(name[1:-1]).compressed}]"
        except ValueError:
            return None
    return name, int(port) if port else None


def trusted_hosts(settings: Mapping[str, Any]) -> tuple[TrustedHost, ...]:
    """The Host names the server answers: TRUSTED_HOSTS, or the loopback names."""
    entries = []
    for item in filter(None, (part.strip() for part in str(settings["TRUSTED_HOSTS"]).split(","))):
        suffix = "." if item.startswith(".") else ""
        parts = split_host(item[len(suffix):])
        if parts is None:
            raise ConfigError(
                f"TRUSTED_HOSTS: {item[:100]!r} is not a host name, optionally with :port"
            )
        entries.append(TrustedHost(suffix + parts[0], parts[1]))
    return tuple(entries) or tuple(TrustedHost(name) for name in LOOPBACK_NAMES)


def _defaults() -> dict[str, Any]:
    return {name: getattr(config, name) for name in dir(config) if name.isupper()}


class _SettingsMapping(Mapping):
    """Settings read as a mapping too, for what wants one: Flask's app.config, and
    functions shared with tools (``redis_connection``) that take either."""

    def __getitem__(self, name: str) -> Any:
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)

    @property
    def retention_seconds(self) -> int:
        """How long a finished build and its log are kept."""
        return self.LOG_RETENTION_DAYS * 86400


# One field per name in config.py, typed by its default: the defaults are
# written once, there.
Settings = dataclasses.make_dataclass(
    "Settings",
    [(name, type(value), dataclasses.field(default=value))
     for name, value in _defaults().items()],
    bases=(_SettingsMapping,),
    frozen=True,
    eq=False,
)
Settings.__doc__ = "Every setting, converted and checked: made by ``load_settings``."


def _coerce(name: str, raw: Any, default: Any) -> Any:
    """Convert a value (an environment string, or a test's override) to the type of
    the default it overrides."""
    if not isinstance(raw, str):
        if isinstance(raw, type(default)) or (type(default) is float and type(raw) is int):
            return raw
        kind = {bool: "true or false", int: "whole number", float: "number"}.get(
            type(default), "text")
        raise ConfigError(f"{name} must be a {kind}, not {raw!r}")
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, (int, float)) and len(raw.strip()) > MAX_DIGITS:
        raise ConfigError(f"{name} must be a number of at most {MAX_DIGITS} digits")
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
) -> Settings:
    """Defaults, then the environment, then ``overrides`` (which tests use), each
    converted to its default's type; a value that cannot be is refused here."""
    environ = os.environ if environ is None else environ
    defaults = _defaults()
    unknown = sorted(set(overrides or {}) - set(defaults))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]}")
    settings = dict(defaults)
    for source in (environ, overrides or {}):
        for name in set(source) & set(defaults):
            settings[name] = _coerce(name, source[name], defaults[name])
    _check(settings)
    return Settings(**settings)


def _check(settings: dict[str, Any]) -> None:
    """Refuse settings that cannot work together; fill in a missing SECRET_KEY."""
    if not settings["SECRET_KEY"]:
        if not is_loopback(str(settings["HOST"])):
            raise ConfigError(
                f"SECRET_KEY must be set when HOST ({settings['HOST']}) is not a loopback address"
            )
        settings["SECRET_KEY"] = secrets.token_hex(32)
    if not str(settings["TRUSTED_HOSTS"]).strip() and not is_loopback(str(settings["HOST"])):
        raise ConfigError(
            f"TRUSTED_HOSTS must be set when HOST ({settings['HOST']}) is not a loopback "
            "address: the host names browsers use to reach buildtail, comma-separated "
            "(e.g. TRUSTED_HOSTS=builds.example.com)"
        )
    trusted_hosts(settings)  # a malformed entry is refused now, not at the first request
    for name in POSITIVE:
        if settings[name] <= 0:
            raise ConfigError(f"{name} must be positive")
    if settings["PORT"] > 65535:
        raise ConfigError("PORT must be at most 65535")
    problems = check_redis_settings(settings)
    if problems:
        raise ConfigError("; ".join(problems))


# Sizes, counts and periods that mean nothing at zero or below.
POSITIVE = (
    "PORT", "MAX_LINE_BYTES", "MAX_LOG_BYTES", "LOG_RETENTION_DAYS", "LEASE_SECONDS",
    "FLUSH_INTERVAL_MS", "FLUSH_MAX_LINES", "FLUSH_MAX_BYTES", "REPLAY_CHUNK_LINES",
    "REPLAY_CHUNK_BYTES", "REDIS_POOL_SIZE", "MAX_SUBSCRIPTIONS_PER_CLIENT",
    "MAX_REQUEST_BYTES", "MAX_SOCKET_MESSAGE_BYTES",
)


def check_listening(settings: Settings) -> None:
    """Refuse to serve beyond this machine, or with REQUIRE_AUTH set, without
    authentication: starting a build runs a command on the workers."""
    if settings.AUTH_USERS or settings.AUTH_PROXY_HEADER or settings.API_TOKENS:
        return
    if settings.REQUIRE_AUTH:
        raise ConfigError(
            "REQUIRE_AUTH is set but no authentication is configured: fill in AUTH_USERS, "
            "AUTH_PROXY_HEADER or API_TOKENS (see the README)"
        )
    host = settings.HOST
    if not is_loopback(host):
        raise ConfigError(
            f"HOST {host} is not a loopback address: configure AUTH_USERS, "
            "AUTH_PROXY_HEADER or API_TOKENS first (see the README)"
        )
