// The connection indicator's words, from events and the clock: "live" only while
// lines can come, and a counted reason whenever they cannot.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ConnectionStatus, REDIS_DOWN_ERROR, SILENCE_MS } from "../../app/static/src/connection-status.js";

const RUNNING = { id: 7, state: "running", lines: 3 };
const OK = { build: 7, redis: "ok", worker_silent_seconds: null };

/** A page that connected at `at` and got a good subscribe ack for `build`. */
function subscribedAt(at, build = RUNNING) {
  const status = new ConnectionStatus();
  status.connected(at);
  status.acknowledged({ ok: true, build }, at);
  return status;
}

const label = (status, now) => status.view(now).label;

test("connecting, then live once the subscription is acknowledged", () => {
  const status = new ConnectionStatus();
  assert.equal(label(status, 0), "connecting");
  status.connected(0);
  assert.equal(label(status, 10), "connecting");
  status.acknowledged({ ok: true, build: RUNNING }, 20);
  assert.deepEqual(status.view(30), { state: "live", text: "live", seconds: null, label: "live", stalled: false });
});

test("live lasts while health messages keep coming", () => {
  const status = subscribedAt(0);
  for (let now = 2000; now <= 20000; now += 2000) {
    status.health(OK, now);
    assert.equal(label(status, now + 1900), "live");
  }
});

test("no health message for more than six seconds: the server is silent, counted", () => {
  const status = subscribedAt(0);
  status.health(OK, 1000);
  assert.equal(label(status, 1000 + SILENCE_MS), "live");
  const view = status.view(1000 + SILENCE_MS + 1);
  assert.equal(view.state, "silent");
  assert.equal(view.label, "no word from the server (6s)");
  assert.equal(view.stalled, true);
  assert.equal(label(status, 13500), "no word from the server (12s)");
  status.health(OK, 14000);
  assert.equal(label(status, 14000), "live");
});

test("lines during a long catch-up count as word from the server", () => {
  const status = subscribedAt(0);
  for (let now = 1000; now <= 20000; now += 1000) status.heard(now);
  assert.equal(label(status, 20500), "live");
  status.health({ ...OK, redis: "unavailable" }, 21000);
  status.heard(22000);
  assert.equal(label(status, 22500), "Redis unavailable — retrying");
});

test("an unanswered subscribe is silence too", () => {
  const status = new ConnectionStatus();
  status.connected(0);
  assert.equal(label(status, SILENCE_MS + 500), "no word from the server (6s)");
});

test("Redis unavailable, from a health message, until one says it is back", () => {
  const status = subscribedAt(0);
  status.health({ ...OK, redis: "unavailable" }, 2000);
  const view = status.view(2500);
  assert.equal(view.label, "Redis unavailable — retrying");
  assert.equal(view.state, "redis-down");
  assert.equal(view.stalled, true);
  status.health({ ...OK, redis: "unavailable" }, 4000);
  assert.equal(label(status, 5000), "Redis unavailable — retrying");
  status.health(OK, 6000);
  assert.equal(label(status, 6000), "live");
});

test("a Redis refusal of the subscribe is not final; a later good ack ends it", () => {
  const status = new ConnectionStatus();
  status.connected(0);
  status.acknowledged({ ok: false, error: REDIS_DOWN_ERROR }, 100);
  assert.equal(label(status, 200), "Redis unavailable — retrying");
  // Retries back off to 10 s; no health comes meanwhile, and that is expected.
  assert.equal(label(status, 100 + 10000), "Redis unavailable — retrying");
  status.acknowledged({ ok: false, error: REDIS_DOWN_ERROR }, 10100);
  status.acknowledged({ ok: true, build: RUNNING }, 20100);
  assert.equal(label(status, 20200), "live");
});

test("any other refusal is shown as an error and stays", () => {
  const status = new ConnectionStatus();
  status.connected(0);
  status.acknowledged({ ok: false, error: "build 7 does not exist" }, 100);
  const view = status.view(60000);
  assert.equal(view.label, "error: build 7 does not exist");
  assert.equal(view.state, "error");
  status.acknowledged(undefined, 100);
  assert.equal(label(status, 200), "error: no answer");
});

test("a silent worker is counted up from what the server last said", () => {
  const status = subscribedAt(0);
  status.health({ ...OK, worker_silent_seconds: 4.2 }, 1000);
  const view = status.view(1000);
  assert.equal(view.label, "worker not reporting (4s)");
  assert.equal(view.state, "worker-silent");
  assert.equal(view.stalled, true);
  assert.equal(label(status, 2900), "worker not reporting (6s)");
  status.health({ ...OK, worker_silent_seconds: 7.1 }, 3000);
  assert.equal(label(status, 4000), "worker not reporting (8s)");
  status.health(OK, 5000);
  assert.equal(label(status, 5000), "live");
});

test("a queued build waits for a worker rather than being live", () => {
  const status = subscribedAt(0, { id: 7, state: "queued", lines: 0 });
  const view = status.view(1000);
  assert.equal(view.label, "queued — waiting for a worker");
  assert.equal(view.stalled, false);
  status.status({ id: 7, state: "running", lines: 0 });
  assert.equal(label(status, 1000), "live");
});

test("a dropped socket is reconnecting, then connecting until subscribed again", () => {
  const status = subscribedAt(0);
  status.disconnected();
  const view = status.view(500);
  assert.equal(view.label, "reconnecting");
  assert.equal(view.stalled, true);
  // However long it takes: the socket is down, which says more than silence.
  assert.equal(label(status, 60000), "reconnecting");
  status.connected(61000);
  assert.equal(label(status, 61000), "connecting");
  status.acknowledged({ ok: true, build: RUNNING }, 61100);
  assert.equal(label(status, 61200), "live");
});

test("a finished build is finished, whatever the socket does next", () => {
  const status = subscribedAt(0);
  status.health({ ...OK, worker_silent_seconds: 9 }, 1000);
  status.status({ id: 7, state: "succeeded", lines: 3 });
  status.disconnected();
  const view = status.view(60000);
  assert.equal(view.label, "finished");
  assert.equal(view.stalled, false);
});
