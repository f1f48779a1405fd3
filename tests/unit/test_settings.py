"""TRUSTED_HOSTS and numeric settings, as load_settings reads them; and the Host check
that every request passes."""

from __future__ import annotations

import dataclasses

import pytest

from app.security import HostCheck
from app.settings import ConfigError, TrustedHost, load_settings, split_host, trusted_hosts


def test_empty_trusted_hosts_means_this_machine_s_names_on_loopback():
    assert trusted_hosts(load_settings(environ={})) == (
        TrustedHost("localhost"), TrustedHost("127.0.0.1"), TrustedHost("[::1]"))


def test_trusted_hosts_entries_with_ports_suffixes_and_ipv6():
    settings = load_settings(environ={
        "TRUSTED_HOSTS": " Builds.Example.com ,.example.org, 10.0.0.5:8443,[0:0::1]:5000,, "})
    assert trusted_hosts(settings) == (
        TrustedHost("builds.example.com"), TrustedHost(".example.org"),
        TrustedHost("10.0.0.5", 8443), TrustedHost("[::1]", 5000))


@pytest.mark.parametrize("value", ["https://builds.example.com", "a b", "host:0", "host:65536",
                                   "[not-v6]", "builds.example.com/", "*.example.com"])
def test_a_malformed_trusted_host_is_refused(value):
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        load_settings(environ={"TRUSTED_HOSTS": value})


def test_beyond_loopback_trusted_hosts_is_required():
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS must be set"):
        load_settings(environ={"HOST": "0.0.0.0", "SECRET_KEY": "k" * 64})
    load_settings(environ={"HOST": "0.0.0.0", "SECRET_KEY": "k" * 64,
                           "TRUSTED_HOSTS": "builds.example.com"})


def test_split_host():
    assert split_host("LocalHost:5000") == ("localhost", 5000)
    assert split_host("[::1]") == ("[::1]", None)
    assert split_host("") is None
    assert split_host("evil.example@localhost") is None


def environ(host: str | None, proto: str | None = None, scheme: str = "http") -> dict:
    env = {"wsgi.url_scheme": scheme, "PATH_INFO": "/api/builds", "REQUEST_METHOD": "GET"}
    if host is not None:
        env["HTTP_HOST"] = host
    if proto is not None:
        env["HTTP_X_FORWARDED_PROTO"] = proto
    return env


def test_the_host_check():
    check = HostCheck(lambda environ, start: [b"ok"], (
        TrustedHost("builds.example.com", 443), TrustedHost(".example.org"),
        TrustedHost("localhost")))
    assert check.trusts(environ("builds.example.com", proto="https"))
    assert check.trusts(environ("builds.example.com:443"))
    assert not check.trusts(environ("builds.example.com"))  # plain http: port 80
    assert check.trusts(environ("ci.example.org:1234"))
    assert check.trusts(environ("localhost:5000"))
    assert not check.trusts(environ("rebind.attacker.example:5000"))
    assert not check.trusts(environ("localhost.:5000"))
    assert not check.trusts(environ(None))
    statuses = []
    body = check(environ("rebind.attacker.example"), lambda status, headers: statuses.append(
        (status, dict(headers))))
    assert b"".join(body) == b'{"error": "unknown host"}'
    assert statuses[0][0] == "400 Bad Request"
    assert statuses[0][1]["Content-Type"] == "application/json"


def test_numbers_of_thousands_of_digits_are_refused_in_one_short_sentence():
    for name in ("PORT", "MAX_LINE_BYTES", "LEASE_SECONDS"):
        with pytest.raises(ConfigError) as refused:
            load_settings(environ={name: "9" * 5000})
        assert len(str(refused.value)) < 100 and name in str(refused.value)
    assert load_settings(environ={"MAX_LOG_BYTES": "134217728"})["MAX_LOG_BYTES"] == 134217728


def test_settings_are_converted_once_and_refused_with_a_sentence():
    settings = load_settings({"MAX_LOG_BYTES": "20000", "SECURE_COOKIES": "yes"},
                             {"LEASE_SECONDS": "9"})
    assert (settings.MAX_LOG_BYTES, settings.LEASE_SECONDS) == (20000, 9)
    assert settings.SECURE_COOKIES is True
    assert settings.retention_seconds == settings.LOG_RETENTION_DAYS * 86400
    assert dict(settings)["PORT"] == settings.PORT  # a mapping too, for app.config
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.PORT = 1
    for overrides, sentence in [
        ({"LEASE_SECONDS": "soon"}, "LEASE_SECONDS must be a whole number"),
        ({"LEASE_SECONDS": 0}, "LEASE_SECONDS must be positive"),
        ({"PORT": 70000}, "PORT must be at most 65535"),
        ({"MAX_LOG_BYTES": 1.5}, "MAX_LOG_BYTES must be a whole number"),
        ({"LEASE_SECOND": "6"}, "unknown setting LEASE_SECOND"),
    ]:
        with pytest.raises(ConfigError, match=sentence):
            load_settings(overrides, {})
