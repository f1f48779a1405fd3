// The recipe page's chart geometry: one bar per build, oldest first, as tall as it took.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CHART, chartBars } from "../../app/static/src/recipe-chart.js";

const RECENT = [ // newest first, as GET /api/recipes/<name> lists them
  { id: 9, state: "failed", duration_ms: 30_000 },
  { id: 8, state: "succeeded", duration_ms: 60_000 },
  { id: 7, state: "cancelled", duration_ms: null },
  { id: 5, state: "succeeded", duration_ms: 15_000 },
];

test("one bar per build, oldest on the left, side by side, each in one of the slots", () => {
  const bars = chartBars(RECENT);
  assert.deepEqual(bars.map((bar) => bar.id), [5, 7, 8, 9]);
  const slot = CHART.width / CHART.slots;
  assert.deepEqual(bars.map((bar) => bar.x), [0, slot, 2 * slot, 3 * slot]);
  for (const bar of bars) assert.equal(bar.width, slot - CHART.gap);
});

test("the longest build fills the height; the others in proportion, standing on the base", () => {
  const [b5, b7, b8, b9] = chartBars(RECENT);
  assert.equal(b8.height, CHART.height);
  assert.equal(b9.height, CHART.height / 2);
  assert.equal(b5.height, CHART.height / 4);
  assert.equal(b7.height, CHART.minBar); // no duration: the least bar, still there to hover
  for (const bar of [b5, b7, b8, b9]) assert.equal(bar.y + bar.height, CHART.height);
});

test("each bar's title names the build, its state and how long it took", () => {
  const titles = chartBars(RECENT).map((bar) => bar.title);
  assert.deepEqual(titles, ["#5 succeeded 15s", "#7 cancelled", "#8 succeeded 1m", "#9 failed 30s"]);
});

test("no builds, no bars; more builds than slots still fit the width", () => {
  assert.deepEqual(chartBars([]), []);
  const many = Array.from({ length: 80 }, (_, index) => ({ id: 80 - index, state: "succeeded", duration_ms: 1000 }));
  const bars = chartBars(many);
  const last = bars[bars.length - 1];
  assert.equal(bars.length, 80);
  assert.ok(Math.abs(last.x + last.width + CHART.gap - CHART.width) < 1e-9);
  assert.equal(chartBars([{ id: 1, state: "succeeded", duration_ms: 0 }])[0].height, CHART.minBar);
});
