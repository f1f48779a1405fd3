"""The Socket.IO guarantee, against the real gevent server, a real worker and real clients."""

from __future__ import annotations

import random
import threading
import time

import psutil
import pytest
import requests
import socketio

from app import store
from tests.stalled import StalledViewer
from tests.support import start_server, wait_until
from tests.viewer import InOrderClient, Viewer

pytestmark = [pytest.mark.integration, pytest.mark.socket]


def start(url: str, recipe: str, **params) -> dict:
    response = requests.post(f"{url}/api/builds", json={"recipe": recipe, "params": params})
    assert response.status_code == 202, response.text
    return response.json()


def finished(viewer: Viewer) -> None:
    assert viewer.finished.wait(120), "no final status"


def test_subscribe_before_during_and_after_a_20000_line_build(server, worker):
    build = start(server, "lines", LINES="20000")
    before = Viewer(server)
    ack = before.subscribe(build["id"])
    assert ack["ok"] and ack["build"]["id"] == build["id"]
    during = Viewer(server)
    wait_until(lambda: before.lines(), 60, "the first lines")
    assert during.subscribe(build["id"])["ok"]
    finished(before)
    finished(during)
    after = Viewer(server)
    assert after.subscribe(build["id"])["build"]["state"] == "succeeded"
    finished(after)
    for viewer in (before, during, after):
        viewer.assert_exactly(1, 20000)
        viewer.close()


def test_twenty_viewers_joining_at_random_moments_each_get_every_line(server, worker):
    total = 20000
    build = start(server, "slow", LINES=str(total), DELAY="0.0001")
    viewers, at_ack = [], []

    def join():
        time.sleep(random.uniform(0, 2.5))
        viewer = Viewer(server)
        ack = viewer.subscribe(build["id"])
        assert ack["ok"]
        at_ack.append(ack["build"]["lines"])
        viewers.append(viewer)

    threads = [threading.Thread(target=join) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert any(0 < lines < total for lines in at_ack), at_ack
    for viewer in viewers:
        finished(viewer)
        viewer.assert_exactly(1, total)
        viewer.close()


def test_reconnecting_with_after_gets_exactly_the_rest(server, worker):
    build = start(server, "slow", LINES="400", DELAY="0.005")
    first = Viewer(server)
    first.subscribe(build["id"])
    wait_until(lambda: len(first.lines()) >= 50, 60, "some lines")
    first.close()
    have = len(first.lines())
    assert [n for n, _, _ in first.lines()] == list(range(1, have + 1))
    second = Viewer(server)
    assert second.subscribe(build["id"], after=have)["ok"]
    finished(second)
    second.assert_exactly(have + 1, 400)
    second.close()


def test_long_polling_viewer_gets_the_whole_log(server, worker):
    build = start(server, "lines", LINES="5000")
    viewer = Viewer(server, transports=("polling",))
    viewer.subscribe(build["id"])
    finished(viewer)
    viewer.assert_exactly(1, 5000)
    viewer.close()


def test_bad_subscriptions_get_an_error_ack_and_the_server_keeps_serving(server, worker):
    build = start(server, "lines", LINES="10")
    viewer = Viewer(server)
    for payload in ([1], {"build": "1"}, {"build": build["id"], "after": -1}, {},
                    {"build": 999999999}, {"build": build["id"], "after": 10**9}):
        ack = viewer.call("subscribe", payload)
        assert ack["ok"] is False and isinstance(ack["error"], str), payload
    assert viewer.subscribe(build["id"])["ok"]
    finished(viewer)
    viewer.assert_exactly(1, 10)
    viewer.close()


def test_follow_builds_announces_new_builds(server, worker):
    viewer = Viewer(server)
    announced = []
    viewer.client.on("build", announced.append, namespace="/builds")
    assert viewer.call("follow_builds", {})["ok"]
    build = start(server, "lines", LINES="1")
    wait_until(
        lambda: any(b["id"] == build["id"] and b["state"] == "succeeded" for b in announced),
        60, "the build's announcements",
    )
    viewer.close()


def test_redis_connections_do_not_grow_with_viewers(settings, log_dir, worker):
    """One pub/sub connection serves every viewer: 1 viewer and 50 hold the same count."""
    service, url = start_server(settings, log_dir)
    redis_port = int(settings["REDIS_URL"].rsplit(":", 1)[1].split("/")[0])

    def connections() -> int:
        return sum(
            1 for c in psutil.Process(service.pid).net_connections(kind="tcp")
            if c.raddr and c.raddr.port == redis_port and c.status == psutil.CONN_ESTABLISHED
        )

    try:
        build = start(url, "slow", LINES="300", DELAY="0.02")
        viewers = [Viewer(url)]
        viewers[0].subscribe(build["id"])
        wait_until(lambda: viewers[0].lines(), 30, "lines")
        with_one = connections()
        for _ in range(49):
            viewer = Viewer(url)
            assert viewer.subscribe(build["id"])["ok"]
            viewers.append(viewer)
        wait_until(lambda: all(v.lines() for v in viewers), 30, "every viewer to get lines")
        with_fifty = connections()
        print(f"web process Redis connections: 1 viewer {with_one}, 50 viewers {with_fifty}")
        assert with_fifty == with_one, (with_one, with_fifty)
        assert with_fifty <= 3  # the pool's two and the relay's pub/sub connection
        for viewer in viewers:
            finished(viewer)
            viewer.assert_exactly(1, 300)
            viewer.close()
    finally:
        service.stop()


def test_viewers_of_a_cancelled_build_get_its_lines_then_cancelled(server, worker):
    build = start(server, "slow", LINES="1000", DELAY="0.01")
    viewer = Viewer(server)
    viewer.subscribe(build["id"])
    wait_until(lambda: len(viewer.lines()) > 20, 30, "some lines")
    assert requests.post(f"{server}/api/builds/{build['id']}/cancel").status_code == 202
    finished(viewer)
    final = viewer.events[-1][1]
    assert final["state"] == "cancelled"
    assert [n for n, _, _ in viewer.lines()] == list(range(1, final["lines"] + 1))
    viewer.close()


def test_a_viewer_that_stops_reading_costs_bounded_memory_and_slows_nobody(
    settings, log_dir, worker
):
    """A stalled viewer of a 2,000,000-line build: the server holds a few batches for
    it, not the log, and a normal viewer of the same build still gets every line.

    Measured on 2 cores: the server grew by 57 MB with the stalled viewer and
    by 108 MB with the cap lifted (the whole log held as packets for it)."""
    service, url = start_server(settings, log_dir)
    try:
        warm_up = Viewer(url)  # the first viewer's imports and buffers are not the point
        warm_up.subscribe(start(url, "slow", LINES="1", DELAY="0")["id"])
        finished(warm_up)
        warm_up.close()
        server = psutil.Process(service.pid)
        before = server.memory_info().rss
        build = start(url, "lines", LINES="2000000")
        stalled = StalledViewer(url, build["id"])
        viewer = Viewer(url)
        viewer.subscribe(build["id"])
        peak = before
        while not viewer.finished.is_set():
            peak = max(peak, server.memory_info().rss)
            viewer.finished.wait(0.05)
        numbers = [number for number, _, _ in viewer.lines()]
        assert numbers == list(range(1, 2_000_001))
        growth_mb = (peak - before) / 2**20
        print(f"server RSS growth with a stalled viewer: {growth_mb:.1f} MB")
        assert growth_mb < 80
        stalled.close()
        viewer.close()
    finally:
        service.stop()


def test_socket_limits_subscriptions_payload_size_and_origin(server, redis_client):
    viewer = Viewer(server)
    ids = [store.create_build(redis_client, "lines", {"LINES": "1"})["id"] for _ in range(21)]
    answers = [viewer.subscribe(build_id) for build_id in ids]
    assert all(answer["ok"] for answer in answers[:20])
    assert answers[20]["ok"] is False and "20" in answers[20]["error"]
    viewer.close()
    # A message over MAX_SOCKET_MESSAGE_BYTES is refused by the transport itself.
    greedy = Viewer(server)
    with pytest.raises(socketio.exceptions.SocketIOError):  # dropped, so never answered
        greedy.client.call("subscribe", {"build": ids[0], "padding": "x" * 200_000},
                           namespace="/builds", timeout=5)
    # Browsers from other sites may not connect at all.
    # (python-socketio reports the refusal as a ConnectionError or, reading the
    # server's "not an accepted origin" answer as a packet, a ValueError.)
    with pytest.raises((socketio.exceptions.ConnectionError, ValueError)):
        InOrderClient().connect(server, namespaces=["/builds"], transports=["websocket"],
                                headers={"Origin": "http://evil.example"})
    # And the server keeps serving everyone else.
    fine = Viewer(server)
    assert fine.subscribe(ids[0])["ok"]
    fine.close()


def test_concurrent_subscribes_cannot_pass_the_limit_and_absent_builds_open_no_channel(
    server, redis_client
):
    ids = [store.create_build(redis_client, "lines", {"LINES": "1"})["id"] for _ in range(30)]
    viewer = Viewer(server)
    answers, done = [], threading.Event()

    def answered(answer):
        answers.append(answer)
        if len(answers) == len(ids):
            done.set()

    for build_id in ids:  # all sent at once: each is handled in a greenlet of its own
        viewer.client.emit("subscribe", {"build": build_id, "after": 0}, namespace="/builds",
                           callback=answered)
    assert done.wait(60)
    assert sum(1 for answer in answers if answer["ok"]) == 20
    assert all("at most 20" in a["error"] for a in answers if not a["ok"])
    viewer.close()

    channels = requests.get(f"{server}/healthz?detail=1").json()["channels"]
    prober = Viewer(server)
    absent = max(ids) + 1_000_000
    for build_id in range(absent, absent + 200):
        answer = prober.subscribe(build_id)
        assert answer["ok"] is False and "does not exist" in answer["error"]
    assert requests.get(f"{server}/healthz?detail=1").json()["channels"] <= channels
    prober.close()


def test_viewers_that_stop_reading_long_lines_cost_bounded_memory(settings, log_dir, worker):
    """Six stalled viewers of 1,000 lines of 65,000 characters (65 MB of log): each
    holds a few megabytes of queued packets, not the log.

    Measured on 2 cores (the archiver writing the same log meanwhile): 1,620 MB of
    growth when replay chunks, viewer queues and the archiver's reads were bounded
    in lines only; 70 MB with them bounded in bytes."""
    service, url = start_server(settings, log_dir)
    try:
        build = start(url, "shapes", SHAPE="wide", LINES="1000")
        wait_until(lambda: requests.get(f"{url}/api/builds/{build['id']}").json()["state"]
                   == "succeeded", 120, "the wide build to finish")
        server = psutil.Process(service.pid)
        before = server.memory_info().rss
        stalled = [StalledViewer(url, build["id"]) for _ in range(6)]
        peak, deadline = before, time.monotonic() + 20
        while time.monotonic() < deadline:  # long enough for every replay to stall
            peak = max(peak, server.memory_info().rss)
            time.sleep(0.05)
        viewer = Viewer(url)  # a reader of the same log still gets all of it
        viewer.subscribe(build["id"])
        finished(viewer)
        assert [n for n, _, _ in viewer.lines()] == list(range(1, 1001))
        growth_mb = (peak - before) / 2**20
        print(f"server RSS growth with six stalled viewers of long lines: {growth_mb:.1f} MB")
        assert growth_mb < 200
        page = requests.get(f"{url}/api/builds/{build['id']}/log?limit=5000").json()
        assert 1 <= len(page["lines"]) <= 17  # about 1 MB of them
        for viewer_ in stalled:
            viewer_.close()
        viewer.close()
    finally:
        service.stop()
