// The one description of a build list row, and where a build's news goes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { placement, rowCells, stateNote, waitNote } from "../../app/static/src/build-row.js";

const NOW = Date.parse("2026-12-03T14:40:00Z");
const build = {
  id: 42, recipe: "demo", state: "running", params: { LINES: "5", NAME: "<b>x</b>" },
  created_at: "2026-12-03T14:32:50Z", started_at: "2026-12-03T14:33:00Z",
};

test("a row holds the link, the recipe, the parameters, the state, the time and the duration", () => {
  const cells = rowCells(build, NOW);
  assert.deepEqual(cells.map((cell) => cell.text),
    ["#42", "demo", "LINES=5 NAME=<b>x</b>", "running", "7 min ago", "7m"]);
  assert.equal(cells[0].href, "/builds/42");
  assert.equal(cells[3].badge, "badge state-running");
  assert.equal(cells[4].time, build.created_at);
  assert.ok(cells[4].title.length > 0);
  assert.equal(cells[5].running, build.started_at);
  assert.equal(cells[5].note, "waited 10s");
  assert.deepEqual(cells.map((cell) => cell.label),
    ["Build", "Recipe", "Parameters", "State", "Created", "Duration"]);
});

test("a finished build says how it ended in words, and who started it", () => {
  const failed = { ...build, state: "failed", reason: "worker lost", exit_code: null,
    finished_at: "2026-12-03T14:35:05Z", started_by: "alice" };
  const cells = rowCells(failed, NOW);
  assert.equal(cells[3].note, "failed: worker lost after 2m 5s");
  assert.equal(cells[4].note, "by alice");
  assert.equal(cells[5].text, "2m 5s");
  assert.equal(cells[5].running, null);
});

test("a queued build shows its place in line and no duration", () => {
  const queued = { id: 43, recipe: "demo", state: "queued", params: {},
    created_at: "2026-12-03T14:39:30Z", queue_position: 2 };
  assert.equal(stateNote(queued), "#2 in queue");
  assert.equal(waitNote(queued), "");
  assert.equal(rowCells(queued, NOW)[5].text, "—");
  assert.equal(stateNote({ ...queued, queue_position: undefined }), "");
});

test("news of a shown build replaces its row; a newer one goes on top; an older one waits", () => {
  assert.equal(placement([44, 43, 42], 42), "replace");
  assert.equal(placement([44, 43, 42], 45), "prepend");
  assert.equal(placement([44, 43, 42], 12), "skip");
  assert.equal(placement([], 1), "prepend");
});
