"""Every route and Socket.IO handler declares who may reach it, on the view itself:
renaming a view can no longer leave it unprotected."""

from __future__ import annotations

import inspect

import pytest

from app import create_app
from app.auth.policy import OPERATOR, PUBLIC, VIEWER, policy_of
from app.sockets.namespace import BuildsNamespace

# What runs or stops commands on the workers: always behind a user.
OPERATOR_ROUTES = {
    ("POST", "/builds"), ("POST", "/builds/<int:build_id>/rebuild"),
    ("POST", "/api/builds"), ("POST", "/api/builds/<int:build_id>/cancel"),
}
PUBLIC_ROUTES = {"/login", "/logout", "/healthz", "/static/<path:filename>"}


@pytest.fixture(scope="module")
def app():
    # No Redis is reached: create_app connects lazily.
    return create_app({"REDIS_URL": "redis://127.0.0.1:1/0", "ASYNC_MODE": "threading"})


def declared(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule, policy_of(app, rule.endpoint)


def test_every_route_declares_an_access_policy(app):
    undeclared = [(method, path) for method, path, policy in declared(app) if policy is None]
    assert undeclared == []


def test_commands_are_behind_operators_and_only_a_few_routes_are_public(app):
    policies = {(method, path): policy for method, path, policy in declared(app)}
    assert {route for route, policy in policies.items() if policy == OPERATOR} == OPERATOR_ROUTES
    assert {path for (_, path), policy in policies.items() if policy == PUBLIC} == PUBLIC_ROUTES
    assert {policy for policy in policies.values()} == {OPERATOR, VIEWER, PUBLIC}


def test_every_socket_handler_declares_an_access_policy():
    handlers = [name for name, _ in inspect.getmembers(BuildsNamespace, inspect.isfunction)
                if name.startswith("on_")]
    assert "on_subscribe" in handlers
    assert {name: getattr(BuildsNamespace, name).access_policy for name in handlers} == {
        name: PUBLIC if name == "on_disconnect" else VIEWER for name in handlers
    }
