"""GET /metrics in Prometheus' text format, through the official client library.

Figures that every process shares live in Redis and are read at each scrape
(builds finished, lines stored, queued and running builds); figures about this
web process are kept here (lines relayed, relay lag, viewers).
"""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from app import store
from app.auth import viewer_required

bp = Blueprint("metrics", __name__)


class SharedFigures:
    """A collector for what Redis knows, so every web process reports the same."""

    def __init__(self, client: redis.Redis, relay: Any, queues: list[str]) -> None:
        self.client = client
        self.relay = relay
        self.queues = queues

    def collect(self):
        figures = store.stats(self.client, self.queues)
        finished = CounterMetricFamily(
            "buildtail_builds_finished", "Builds that finished, by final state", labels=["state"]
        )
        for state in sorted(store.FINISHED_STATES):
            finished.add_metric([state], figures.get(f"finished:{state}", 0))
        yield finished
        yield CounterMetricFamily("buildtail_lines_ingested", "Log lines that workers stored",
                                  value=figures.get("lines", 0))
        active = GaugeMetricFamily("buildtail_builds", "Builds queued or running now",
                                   labels=["state"])
        active.add_metric(["queued"], figures["queued"])
        active.add_metric(["running"], figures["running"])
        yield active
        yield GaugeMetricFamily("buildtail_queue_length", "Tasks waiting in the recipes' queues",
                                value=figures["queued"])
        yield GaugeMetricFamily("buildtail_worker_leases",
                                "Running builds whose worker holds a lease",
                                value=figures["running"])
        yield GaugeMetricFamily("buildtail_viewers",
                                "Socket.IO clients of this process subscribed to a build",
                                value=self.relay.census()["subscribers"])


class Metrics:
    """This web process's own figures, in a registry of its own (one per app)."""

    def __init__(self, client: redis.Redis, relay: Any, queues: list[str]) -> None:
        self.registry = CollectorRegistry()
        self.lines_relayed = Counter(
            "buildtail_lines_relayed", "Log lines sent to viewers (a line to 3 viewers counts 3)",
            registry=self.registry,
        )
        self.relay_lag = Histogram(
            "buildtail_relay_lag_seconds",
            "From a batch's last line being read by the worker to this process relaying it",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.background_errors = Counter(
            "buildtail_background_errors",
            "Errors that stopped a background loop of this process (it was restarted)",
            labelnames=["loop"],
            registry=self.registry,
        )
        self.registry.register(SharedFigures(client, relay, queues))

    def background_error(self, loop: str) -> None:
        self.background_errors.labels(loop=loop).inc()


@bp.get("/metrics")
@viewer_required
def metrics() -> Response:
    registry = current_app.extensions["buildtail"].metrics.registry
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
