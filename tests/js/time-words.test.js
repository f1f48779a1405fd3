// Times in the build list: relative words, and the spans between a build's times.
import assert from "node:assert/strict";
import { test } from "node:test";

import { exactLocalTime, relativeTime, runTime, waitTime } from "../../app/static/src/time-words.js";

const NOW = Date.parse("2026-12-03T14:40:00Z");
const ago = (ms) => new Date(NOW - ms).toISOString();

test("recent times read as words, older ones as a date", () => {
  assert.equal(relativeTime(ago(5_000), NOW), "just now");
  assert.equal(relativeTime(ago(3 * 60_000 + 59_000), NOW), "3 min ago");
  assert.equal(relativeTime(ago(2 * 3_600_000), NOW), "2 h ago");
  assert.equal(relativeTime(ago(30 * 3_600_000), NOW), "yesterday");
  assert.equal(relativeTime(ago(5 * 86_400_000), NOW), "5 days ago");
  assert.match(relativeTime(ago(90 * 86_400_000), NOW), /\d/);
  assert.equal(relativeTime(ago(-10_000), NOW), "just now"); // a clock a little ahead
  assert.equal(relativeTime("not a time", NOW), "");
});

test("the exact time is the reader's local one, and empty for nothing", () => {
  const iso = "2026-12-03T14:32:52.555Z";
  assert.equal(exactLocalTime(iso), new Date(iso).toLocaleString());
  assert.equal(exactLocalTime(undefined), "");
});

test("a build's run time grows while it runs and stops when it ends; its wait is created to started", () => {
  const build = { created_at: ago(100_000), started_at: ago(75_000) };
  assert.equal(runTime(build, NOW), "1m 15s");
  assert.equal(runTime({ ...build, finished_at: ago(70_000) }, NOW), "5s");
  assert.equal(waitTime(build), "25s");
  assert.equal(runTime({ created_at: ago(1000) }, NOW), null);
  assert.equal(waitTime({ created_at: ago(1000) }), null);
});
