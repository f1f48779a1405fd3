"""Authentication settings, read and checked once: users, the proxy header, tokens."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.settings import ConfigError, Settings


@dataclass(frozen=True)
class AuthConfig:
    users: dict[str, str] = field(default_factory=dict)  # name -> password hash
    proxy_header: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # token -> name
    viewing: str = "public"

    @property
    def enabled(self) -> bool:
        return bool(self.users or self.proxy_header or self.tokens)


def _pairs(name: str, raw: str) -> list[tuple[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in str(raw).split(","))):
        key, sep, value = item.partition(":")
        if not sep or not key or not value:
            raise ConfigError(f"{name} must be a comma-separated list of name:value pairs")
        pairs.append((key, value))
    return pairs


def _check_hash(name: str, stored: str) -> str:
    method = stored.split("$", 1)[0]
    if stored.count("$") != 2 or not method.startswith(("scrypt", "pbkdf2")):
        raise ConfigError(f"AUTH_USERS: the hash of {name} is not one made by "
                          "`python -m app.auth NAME`")
    return stored


def parse_auth(settings: Settings) -> AuthConfig:
    viewing = settings.AUTH_VIEWING.strip().lower()
    if viewing not in ("public", "authenticated"):
        raise ConfigError("AUTH_VIEWING must be public or authenticated")
    tokens = {}
    for name, token in _pairs("API_TOKENS", settings.API_TOKENS):
        if len(token) < 16:
            raise ConfigError(f"API_TOKENS: the token of {name} is shorter than 16 characters")
        tokens[token] = name
    config = AuthConfig(
        users={name: _check_hash(name, stored)
               for name, stored in _pairs("AUTH_USERS", settings.AUTH_USERS)},
        proxy_header=settings.AUTH_PROXY_HEADER.strip(),
        tokens=tokens,
        viewing=viewing,
    )
    if viewing == "authenticated" and not config.enabled:
        raise ConfigError("AUTH_VIEWING=authenticated needs AUTH_USERS, AUTH_PROXY_HEADER "
                          "or API_TOKENS")
    return config
