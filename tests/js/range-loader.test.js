// Loading a log by range: the tail at open, the blocks in view, each once,
// in as many answers as the server's byte cap needs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LogModel } from "../../app/static/src/log-model.js";
import { RangeLoader, TAIL_LINES } from "../../app/static/src/range-loader.js";
import { catchUp, LogChecksum, readThrough } from "../../app/static/src/log-integrity.js";

const TOTAL = 25000;

// A log API over lines "line N", answering at most `cap` lines a request.
function server(cap = 1000) {
  const asked = [];
  function fetchJson(url) {
    asked.push(url);
    const query = new URL(url, "http://x").searchParams;
    let after = Number(query.get("after") || 0);
    let limit = Number(query.get("limit") || 1000);
    if (query.has("tail")) {
      limit = Number(query.get("tail"));
      after = TOTAL - limit;
    }
    const count = Math.max(0, Math.min(limit, cap, TOTAL - after));
    const lines = Array.from({ length: count }, (_, i) => "line " + (after + 1 + i));
    return Promise.resolve({ first: after + 1, lines, times: lines.map(() => 0), total: TOTAL, style: "" });
  }
  return { fetchJson, asked };
}

function settle() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

test("open reads the tail, and a line link's block beside it", async () => {
  const { fetchJson, asked } = server();
  const model = new LogModel();
  const loader = new RangeLoader(3, model, { fetchJson, onLoaded() {} });
  await loader.open(12345);
  assert.equal(model.count, TOTAL);
  assert.equal(model.line(TOTAL), "line " + TOTAL);
  assert.equal(model.line(TOTAL - TAIL_LINES + 1), "line " + (TOTAL - TAIL_LINES + 1));
  assert.equal(model.line(12345), "line 12345");
  assert.equal(model.complete(12), true);
  assert.equal(asked.length, 2);
});

test("only the blocks wanted last are fetched, each once, in byte-capped answers", async () => {
  const { fetchJson, asked } = server(300);
  const model = new LogModel();
  let loaded = 0;
  const loader = new RangeLoader(3, model, { fetchJson, onLoaded: () => loaded++ });
  await loader.open(null);
  asked.length = 0;
  loader.want([5, 6, 1500]);
  loader.want([2001, 2002]); // the reader moved on before those were asked for
  loader.want([2003]);
  for (let i = 0; i < 20; i++) await settle();
  assert.equal(model.complete(2), true);
  assert.equal(model.line(2001), "line 2001");
  assert.equal(model.line(3000), "line 3000");
  // Blocks 0 and 1 were asked for before the reader moved on; block 2 once, in four answers.
  assert.equal(asked.filter((url) => url.includes("after=2")).length, 4);
  assert.ok(loaded >= 1);
});

test("the checksum covers held lines in order, then reads the rest through", async () => {
  const { fetchJson } = server(1000);
  const model = new LogModel();
  const loader = new RangeLoader(3, model, { fetchJson, onLoaded() {} });
  await loader.open(null);
  const checksum = new LogChecksum();
  catchUp(checksum, model);
  assert.equal(checksum.lines, 0); // line 1 is not held
  const progress = [];
  await readThrough(checksum, model, TOTAL, fetchJson, "/api/builds/3/log", (lines) => progress.push(lines));
  assert.equal(checksum.lines, TOTAL);
  const whole = new LogChecksum();
  whole.add(Array.from({ length: TOTAL }, (_, i) => "line " + (i + 1)));
  assert.equal(checksum.crc, whole.crc);
  assert.ok(progress.length >= 24);
});

test("lines the page loads while a read-through answer is on its way are not counted twice", async () => {
  const { fetchJson: serve } = server(1000);
  const model = new LogModel();
  const loader = new RangeLoader(3, model, { fetchJson: serve, onLoaded() {} });
  await loader.open(null);
  const checksum = new LogChecksum();
  let overtaken = false;
  async function fetchJson(url) {
    const answer = await serve(url);
    if (!overtaken && url.includes("after=1000&")) {
      overtaken = true; // the reader jumped back meanwhile: lines 1001..1500 were covered
      checksum.add(Array.from({ length: 500 }, (_, i) => "line " + (1001 + i)));
    }
    return answer;
  }
  await readThrough(checksum, model, TOTAL, fetchJson, "/api/builds/3/log", () => {});
  assert.ok(overtaken);
  assert.equal(checksum.lines, TOTAL);
  const whole = new LogChecksum();
  whole.add(Array.from({ length: TOTAL }, (_, i) => "line " + (i + 1)));
  assert.equal(checksum.crc, whole.crc);
});

test("a block that fails to load is not asked for again at once", async () => {
  const { fetchJson: serve } = server();
  let failing = true;
  let asked = 0;
  const errors = [];
  function fetchJson(url) {
    if (!url.includes("after=3000")) return serve(url);
    asked += 1;
    return failing ? Promise.reject(new Error("HTTP 503")) : serve(url);
  }
  const model = new LogModel();
  const loader = new RangeLoader(3, model, { fetchJson, onLoaded() {}, onError: (error) => errors.push(error) });
  await loader.open(null);
  loader.want([3500]);
  for (let i = 0; i < 5; i++) await settle();
  loader.want([3500]); // the next frame asks again: too soon
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(asked, 1);
  assert.equal(errors.length, 1);
  failing = false;
  loader.failedAt.set(3, Date.now() - 60000); // as if its wait were over
  loader.want([3500]);
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(model.line(3500), "line 3500");
});
