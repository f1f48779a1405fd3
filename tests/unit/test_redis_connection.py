"""Pure logic: Redis settings checks and the Celery broker settings made from them."""

import pytest

from app.redis_connection import celery_broker, tls_options
from app.settings import ConfigError, load_settings


def settings(**overrides):
    return load_settings(overrides, environ={})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "must start with redis://"),
        ({"REDIS_TLS_CA_FILE": "/ca.pem"}, "only apply to a rediss://"),
        ({"REDIS_URL": "rediss://h:6380/0", "REDIS_TLS_CERT_FILE": "/c.pem"}, "go together"),
        ({"REDIS_SENTINELS": "127.0.0.1"}, "look like host:26379"),
        ({"REDIS_SENTINELS": "127.0.0.1:２６３７９"}, "look like host:26379"),
        ({"REDIS_SENTINELS": "a:1", "REDIS_SENTINEL_MASTER": ""}, "REDIS_SENTINEL_MASTER"),
    ],
)
def test_redis_settings_that_cannot_work_are_refused(overrides, message):
    with pytest.raises(ConfigError, match=message):
        settings(**overrides)


def test_plain_redis_has_no_tls_and_the_url_goes_to_celery_as_is():
    plain = settings(REDIS_URL="redis://:pw@10.0.0.5:6379/3")
    assert tls_options(plain) == {}
    assert celery_broker(plain)["broker_url"] == "redis://:pw@10.0.0.5:6379/3"
    assert not celery_broker(plain)["broker_use_ssl"]


def test_tls_always_checks_the_server_and_sends_a_client_certificate_when_set():
    tls = settings(
        REDIS_URL="rediss://:pw@redis.internal:6380/0",
        REDIS_TLS_CA_FILE="/ca.pem", REDIS_TLS_CERT_FILE="/c.pem", REDIS_TLS_KEY_FILE="/k.pem",
    )
    assert tls_options(tls) == {
        "ssl_cert_reqs": "required", "ssl_check_hostname": True, "ssl_ca_certs": "/ca.pem",
        "ssl_certfile": "/c.pem", "ssl_keyfile": "/k.pem",
    }
    assert celery_broker(tls)["broker_use_ssl"] == tls_options(tls)


def test_sentinels_become_one_kombu_url_per_sentinel_with_the_master_password():
    sentinel = settings(
        REDIS_URL="redis://:p%40ss@ignored:6379/2",
        REDIS_SENTINELS="10.0.0.1:26379, [::1]:26380",
        REDIS_SENTINEL_MASTER="builds",
        REDIS_SENTINEL_PASSWORD="s",
    )
    broker = celery_broker(sentinel)
    assert broker["broker_url"] == (
        "sentinel://:p%40ss@10.0.0.1:26379/2;sentinel://:p%40ss@[::1]:26380/2"
    )
    assert broker["broker_transport_options"] == {
        "master_name": "builds", "sentinel_kwargs": {"password": "s"},
    }
