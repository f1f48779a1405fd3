"""How every buildtail process reaches Redis: a plain URL, TLS, or Sentinel.

REDIS_URL carries the password and the database; ``rediss://`` turns TLS on,
checked against REDIS_TLS_CA_FILE (or the system's CAs). With REDIS_SENTINELS
set, REDIS_URL's host and port are not used: the sentinels are asked where
the master named REDIS_SENTINEL_MASTER is on every new connection, so the
web processes and the workers follow a failover. The same settings make the
redis-py clients and Celery's broker connection, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.sentinel import Sentinel, SentinelConnectionPool

SCHEMES = ("redis", "rediss", "unix")


class BlockingSentinelConnectionPool(SentinelConnectionPool, redis.BlockingConnectionPool):
    """A pool of master connections that waits for a free one instead of
    failing, like the pool used without Sentinel, so REDIS_POOL_SIZE is a cap."""


def check_redis_settings(settings: Mapping[str, Any]) -> list[str]:
    """Sentences about every Redis setting that cannot work, before anything connects."""
    problems = []
    url = urlsplit(str(settings["REDIS_URL"]))
    if url.scheme not in SCHEMES:
        problems.append("REDIS_URL must start with redis://, rediss:// or unix://")
    tls_names = ("REDIS_TLS_CA_FILE", "REDIS_TLS_CERT_FILE", "REDIS_TLS_KEY_FILE")
    tls_files = [name for name in tls_names if settings[name]]
    if tls_files and url.scheme != "rediss":
        problems.append(f"{', '.join(tls_files)} only apply to a rediss:// REDIS_URL")
    if bool(settings["REDIS_TLS_CERT_FILE"]) != bool(settings["REDIS_TLS_KEY_FILE"]):
        problems.append("REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together")
    try:
        sentinels = sentinel_addresses(settings)
    except ValueError as error:
        problems.append(str(error))
    else:
        if sentinels and url.scheme == "unix":
            problems.append("REDIS_SENTINELS needs a redis:// or rediss:// REDIS_URL")
        if sentinels and not settings["REDIS_SENTINEL_MASTER"]:
            problems.append("REDIS_SENTINELS needs REDIS_SENTINEL_MASTER, the master's name")
    return problems


def sentinel_addresses(settings: Mapping[str, Any]) -> list[tuple[str, int]]:
    """REDIS_SENTINELS, "host:port,host:port", as (host, port) pairs."""
    addresses = []
    for item in str(settings["REDIS_SENTINELS"]).split(","):
        if not item.strip():
            continue
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isascii() or not port.isdigit():
            raise ValueError(f"REDIS_SENTINELS entries look like host:26379, not {item.strip()!r}")
        addresses.append((host.strip("[]"), int(port)))
    return addresses


def replicas_to_wait_for(settings: Mapping[str, Any]) -> int:
    """With Sentinel there is a replica to promote: a worker has each log
    append confirmed by one, and keeps what is not, so a failover loses no line."""
    return 1 if sentinel_addresses(settings) else 0


def tls_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """redis-py's TLS arguments for a rediss:// URL: the server's certificate
    and name are always checked; a client certificate is sent when configured."""
    if urlsplit(str(settings["REDIS_URL"])).scheme != "rediss":
        return {}
    options: dict[str, Any] = {"ssl_cert_reqs": "required", "ssl_check_hostname": True}
    if settings["REDIS_TLS_CA_FILE"]:
        options["ssl_ca_certs"] = settings["REDIS_TLS_CA_FILE"]
    if settings["REDIS_TLS_CERT_FILE"]:
        options["ssl_certfile"] = settings["REDIS_TLS_CERT_FILE"]
        options["ssl_keyfile"] = settings["REDIS_TLS_KEY_FILE"]
    return options


def _url_credentials(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The user name, password and database REDIS_URL names."""
    url = urlsplit(str(settings["REDIS_URL"]))
    database = url.path.strip("/")
    return {
        "username": unquote(url.username) if url.username else None,
        "password": unquote(url.password) if url.password else None,
        "db": int(database) if database.isdigit() else 0,
    }


def _sentinel_options(settings: Mapping[str, Any], tls: dict[str, Any]) -> dict[str, Any]:
    """How to reach the sentinels themselves: their own password, and TLS
    whenever Redis is reached over TLS."""
    return {"password": settings["REDIS_SENTINEL_PASSWORD"] or None, **_with_ssl(tls)}


def _with_ssl(tls: dict[str, Any]) -> dict[str, Any]:
    return {"ssl": True, **tls} if tls else {}


def redis_client(settings: Mapping[str, Any], role: str, max_connections: int) -> redis.Redis:
    """A client for ``role`` whose pool never opens more than ``max_connections``."""
    common: dict[str, Any] = {
        "client_name": f"buildtail-{role}",
        "health_check_interval": 30,
        "max_connections": max_connections,
        "timeout": 30,
    }
    tls = tls_options(settings)
    sentinels = sentinel_addresses(settings)
    if not sentinels:
        pool = redis.BlockingConnectionPool.from_url(settings["REDIS_URL"], **common, **tls)
        return redis.Redis(connection_pool=pool)
    manager = Sentinel(sentinels, sentinel_kwargs=_sentinel_options(settings, tls))
    return manager.master_for(
        settings["REDIS_SENTINEL_MASTER"],
        connection_pool_class=BlockingSentinelConnectionPool,
        **common,
        **_url_credentials(settings),
        **_with_ssl(tls),
    )


def celery_broker(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Celery's broker settings for the same Redis: URL, TLS and Sentinel options."""
    tls = tls_options(settings)
    sentinels = sentinel_addresses(settings)
    if not sentinels:
        return {"broker_url": settings["REDIS_URL"], "broker_use_ssl": tls or None,
                "broker_transport_options": {}}
    credentials = _url_credentials(settings)
    auth = ""
    if credentials["password"]:
        # kombu reads the master's password from the first sentinel URL.
        url = urlsplit(str(settings["REDIS_URL"]))
        auth = f"{url.username or ''}:{url.password}@"
    broker_url = ";".join(
        f"sentinel://{auth}{_host_for_url(host)}:{port}/{credentials['db']}"
        for host, port in sentinels
    )
    transport = {
        "master_name": settings["REDIS_SENTINEL_MASTER"],
        "sentinel_kwargs": _sentinel_options(settings, tls),
    }
    return {
        "broker_url": broker_url,
        "broker_use_ssl": tls or None,
        "broker_transport_options": transport,
    }


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host
