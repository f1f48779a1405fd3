// The ETA's words and its progress bar's fraction.
import assert from "node:assert/strict";
import { test } from "node:test";

import { etaView, leftWords } from "../../app/static/src/eta-words.js";

test("what is left is rounded, never falsely precise", () => {
  assert.equal(leftWords(4_000), "a few seconds left");
  assert.equal(leftWords(31_000), "about 40s left");
  assert.equal(leftWords(60_000), "about 1m left");
  assert.equal(leftWords(89_000), "about 1m left");
  assert.equal(leftWords(91_000), "about 2m left");
  assert.equal(leftWords(3_700_000), "about 1h 2m left");
});

test("a run under way: how long it usually takes and how much is left", () => {
  const view = etaView(190_000, 130_000);
  assert.equal(view.text, "usually 3m 10s · about 1m left");
  assert.ok(Math.abs(view.fraction - 130 / 190) < 1e-9);
  assert.equal(view.over, false);
});

test("past the usual duration the bar is full and the words say so", () => {
  const view = etaView(60_000, 75_000);
  assert.deepEqual(view, { text: "usually 1m · taking longer than usual", fraction: 1, over: true });
});

test("a clock a little behind the server's starts at zero", () => {
  assert.equal(etaView(10_000, -500).fraction, 0);
});

test("without an estimate there is nothing to show", () => {
  for (const estimate of [undefined, null, 0, -1, Number.NaN, "60000"]) assert.equal(etaView(estimate, 1000), null);
});
