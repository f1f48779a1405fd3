// The page's subscription: resubscribing with backoff while the server cannot
// reach Redis, with `after` = the lines held, and never after any other refusal.
import assert from "node:assert/strict";
import { beforeEach, afterEach, mock, test } from "node:test";

import { BuildStream } from "../../app/static/src/build-stream.js";
import { REDIS_DOWN_ERROR } from "../../app/static/src/connection-status.js";

class FakeSocket {
  constructor() {
    this.handlers = {};
    this.managerHandlers = {};
    this.sent = []; // [event, payload, ack]
    this.connected = false;
    this.io = { on: (event, handler) => { this.managerHandlers[event] = handler; } };
  }
  on(event, handler) { this.handlers[event] = handler; }
  emit(event, payload, ack) { this.sent.push([event, payload, ack]); }
  disconnect() { this.connected = false; this.handlers.disconnect(); }
  fire(event, payload) {
    if (event === "connect") this.connected = true;
    if (event === "disconnect") this.connected = false;
    this.handlers[event](payload);
  }
  subscribes() { return this.sent.filter(([event]) => event === "subscribe"); }
  lastAck() { return this.subscribes().at(-1)[2]; }
}

let socket;
let events;
let held;

function open() {
  const record = (name) => (message) => events.push([name, message]);
  return new BuildStream(socket, 7, {
    held: () => held,
    onConnect: record("connect"),
    onDisconnect: record("disconnect"),
    onAck: record("ack"),
    onLines: record("lines"),
    onStatus: record("status"),
    onHealth: record("health"),
  });
}

beforeEach(() => {
  mock.timers.enable({ apis: ["setTimeout"] });
  socket = new FakeSocket();
  events = [];
  held = 0;
});
afterEach(() => mock.timers.reset());

test("subscribes on connect with the lines held", () => {
  open();
  held = 12;
  socket.fire("connect");
  assert.deepEqual(socket.subscribes().map(([, payload]) => payload), [{ build: 7, after: 12 }]);
});

test("a Redis refusal retries after 1 s, doubling to 10 s, with after = lines held", () => {
  open();
  socket.fire("connect");
  const waits = [];
  for (let retry = 0; retry < 6; retry++) {
    socket.lastAck()({ ok: false, error: REDIS_DOWN_ERROR });
    const before = socket.subscribes().length;
    let waited = 0;
    while (socket.subscribes().length === before) {
      mock.timers.tick(500);
      waited += 500;
      assert.ok(waited <= 10000, "no retry within 10 s");
    }
    waits.push(waited);
    held += 5; // lines can still arrive from an earlier subscription
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
  assert.deepEqual(socket.subscribes().at(-1)[1], { build: 7, after: 25 });
  // Success resets the backoff.
  socket.lastAck()({ ok: true, build: { id: 7, state: "running" } });
  socket.fire("disconnect");
  socket.fire("connect");
  socket.lastAck()({ ok: false, error: REDIS_DOWN_ERROR });
  const count = socket.subscribes().length;
  mock.timers.tick(1000);
  assert.equal(socket.subscribes().length, count + 1);
});

test("any other refusal is final", () => {
  open();
  socket.fire("connect");
  socket.lastAck()({ ok: false, error: "build 7 does not exist" });
  mock.timers.tick(60000);
  assert.equal(socket.subscribes().length, 1);
  assert.deepEqual(events.at(-1), ["ack", { ok: false, error: "build 7 does not exist" }]);
});

test("a disconnect cancels a pending retry; the reconnect subscribes at once", () => {
  open();
  socket.fire("connect");
  const stale = socket.lastAck();
  socket.fire("disconnect");
  stale({ ok: false, error: REDIS_DOWN_ERROR }); // an answer from before the drop is ignored
  mock.timers.tick(20000);
  assert.equal(socket.subscribes().length, 1);
  socket.fire("connect");
  assert.equal(socket.subscribes().length, 2);
  assert.deepEqual(events.map(([name]) => name), ["connect", "disconnect", "connect"]);
});

test("only this build's events reach the page", () => {
  open();
  socket.fire("connect");
  socket.fire("lines", { build: 8, first: 1, lines: ["x"], times: [0] });
  socket.fire("lines", { build: 7, first: 1, lines: ["y"], times: [0] });
  socket.fire("health", { build: 8, redis: "ok", worker_silent_seconds: null });
  socket.fire("health", { build: 7, redis: "ok", worker_silent_seconds: null });
  socket.fire("status", { id: 8, state: "running" });
  socket.fire("status", { id: 7, state: "running" });
  assert.deepEqual(events.slice(1).map(([name, message]) => [name, message.build || message.id]), [
    ["lines", 7], ["health", 7], ["status", 7],
  ]);
});

test("resubscribing after a gap asks again from the lines held", () => {
  const stream = open();
  socket.fire("connect");
  held = 40;
  stream.resubscribe();
  assert.deepEqual(socket.sent.slice(-2).map(([event, payload]) => [event, payload]), [
    ["unsubscribe", { build: 7 }],
    ["subscribe", { build: 7, after: 40 }],
  ]);
});
