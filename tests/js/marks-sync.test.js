// Fetching annotations page by page until the total, then steps; asking again
// while a round runs means one more round, never two at once.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MarksSync, PAGE_SIZE } from "../../app/static/src/marks-sync.js";

function server(total) {
  const annotations = Array.from({ length: total }, (_, i) => ({ line: i + 1, level: "error", message: "e" + i }));
  const asked = [];
  return {
    asked,
    annotations,
    fetchJson(url) {
      asked.push(url);
      const parsed = new URL(url, "http://page");
      if (parsed.pathname.endsWith("/steps")) return Promise.resolve({ build: 7, steps: [{ title: "s", line: 1 }] });
      const after = Number(parsed.searchParams.get("after"));
      const limit = Number(parsed.searchParams.get("limit"));
      return Promise.resolve({
        build: 7, annotations: annotations.slice(after, after + limit), total: annotations.length,
        counts: { error: annotations.length, warning: 0, notice: 0 },
      });
    },
  };
}

test("pages with `after` until the total, then fetches the steps", async () => {
  const fake = server(PAGE_SIZE * 2 + 3);
  const got = [];
  let steps = null;
  const sync = new MarksSync(7, fake.fetchJson, { onAnnotations: (a) => got.push(...a), onSteps: (s) => { steps = s; } });
  await sync.sync();
  assert.equal(got.length, PAGE_SIZE * 2 + 3);
  const afters = fake.asked.map((url) => new URL(url, "http://page").searchParams.get("after"));
  assert.deepEqual(afters, ["0", String(PAGE_SIZE), String(PAGE_SIZE * 2), null]);
  assert.equal(fake.asked[0], "/api/builds/7/annotations?after=0&limit=" + PAGE_SIZE);
  assert.deepEqual(steps, [{ title: "s", line: 1 }]);
});

test("a second sync starts from what the first took", async () => {
  const fake = server(3);
  const got = [];
  const sync = new MarksSync(7, fake.fetchJson, { onAnnotations: (a) => got.push(...a), onSteps() {} });
  await sync.sync();
  fake.annotations.push({ line: 9, level: "error", message: "late" });
  await sync.sync();
  assert.deepEqual(got.map((a) => a.line), [1, 2, 3, 9]);
});

test("asking while a round runs makes one more round, not a parallel one", async () => {
  const fake = server(1);
  let inFlight = 0;
  let most = 0;
  const slow = (url) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    return new Promise((resolve) => setTimeout(resolve, 5)).then(() => { inFlight -= 1; return fake.fetchJson(url); });
  };
  const sync = new MarksSync(7, slow, { onAnnotations() {}, onSteps() {} });
  const first = sync.sync();
  const second = sync.sync();
  assert.equal(first, second);
  await first;
  assert.equal(most, 1);
  assert.equal(fake.asked.filter((url) => url.endsWith("/steps")).length, 2);
});
