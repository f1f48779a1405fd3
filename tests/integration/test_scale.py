"""Two web processes and two workers on one Redis, several builds at once:
every viewer, whichever process it is on, ends with exactly every line."""

from __future__ import annotations

import time

import pytest
import requests

from app import store
from tests.support import PrivateRedis, start_server, start_worker, wait_for_state, wait_until
from tests.viewer import InOrderClient, Viewer

pytestmark = pytest.mark.integration

BUILDS = [("slow", {"LINES": "400", "DELAY": "0.01"}), ("lines", {"LINES": "30000"}),
          ("slow", {"LINES": "150", "DELAY": "0.02"}), ("lines", {"LINES": "5000"})]


@pytest.fixture
def two_of_each(tmp_path, log_dir):
    private_redis = PrivateRedis(tmp_path, log_dir)
    private_redis.start()
    settings = private_redis.settings()
    services = []
    try:
        urls = []
        for name in ("web-a", "web-b"):
            service, url = start_server(settings, log_dir, name=name)
            services.append(service)
            urls.append(url)
        services += [start_worker(settings, log_dir, concurrency=2) for _ in range(2)]
        yield private_redis.client, urls, settings
    finally:
        for service in services:
            service.stop()
        private_redis.stop()


def test_every_viewer_on_either_web_process_gets_every_line(two_of_each):
    client, (web_a, web_b), _ = two_of_each
    started = []
    for index, (recipe, params) in enumerate(BUILDS):
        url = (web_a, web_b)[index % 2]  # builds are started through both processes
        build = requests.post(f"{url}/api/builds", json={"recipe": recipe, "params": params})
        assert build.status_code == 202
        started.append((build.json()["id"], recipe, params))
    viewers = []
    for build_id, recipe, params in started:
        for url in (web_a, web_b):
            viewer = Viewer(url)
            assert viewer.subscribe(build_id)["ok"]
            viewers.append((viewer, build_id, recipe, params))
    for build_id, _, _ in started:
        wait_for_state(client, build_id, "succeeded", timeout=120)
    for viewer, build_id, _recipe, params in viewers:
        assert viewer.finished.wait(60), build_id
        viewer.assert_exactly(1, int(params["LINES"]))
        viewer.close()
    # A late viewer on the other process than the one that started the build.
    late = Viewer(web_b)
    assert late.subscribe(started[0][0])["ok"]
    assert late.finished.wait(30)
    late.assert_exactly(1, 400)
    late.close()


def test_follow_builds_hears_builds_started_through_the_other_process(two_of_each):
    _, (web_a, web_b), _ = two_of_each
    heard = []
    follower = InOrderClient()
    follower.on("build", heard.append, namespace="/builds")
    follower.connect(web_b, namespaces=["/builds"], transports=["websocket"])
    assert follower.call("follow_builds", {}, namespace="/builds", timeout=10)["ok"]
    build = requests.post(f"{web_a}/api/builds",
                          json={"recipe": "lines", "params": {"LINES": "3"}}).json()
    wait_until(lambda: any(b["id"] == build["id"] and b["state"] == "succeeded" for b in heard),
               60, "web-b to announce the build web-a started, through to its end")
    follower.disconnect()


def test_a_recipe_with_a_queue_runs_only_on_workers_of_that_queue(two_of_each, log_dir):
    client, (web_a, _), settings = two_of_each
    build = requests.post(f"{web_a}/api/builds", json={"recipe": "gpu"}).json()
    time.sleep(3)  # the two workers of the default queue leave it alone
    assert store.get_build(client, build["id"])["state"] == "queued"
    gpu_worker = start_worker(settings, log_dir, concurrency=1, queues="gpu")
    try:
        assert wait_for_state(client, build["id"], "succeeded", timeout=60)["lines"] == 5
        assert f"build {build['id']} started: gpu" in gpu_worker.log_text()
    finally:
        gpu_worker.stop()
