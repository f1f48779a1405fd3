// The one description of a build list row, and where a build's news goes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { placement, rowCells } from "../../app/static/src/build-row.js";

const build = {
  id: 42, recipe: "demo", state: "running", params: { LINES: "5", NAME: "<b>x</b>" },
  created_at: "2026-12-03T14:32:52.555Z",
};

test("a row holds the link, the recipe, the parameters, the state and the time", () => {
  const cells = rowCells(build);
  assert.deepEqual(cells.map((cell) => cell.text),
    ["#42", "demo", "LINES=5 NAME=<b>x</b>", "running", "2026-12-03T14:32:52.555Z"]);
  assert.equal(cells[0].href, "/builds/42");
  assert.equal(cells[3].badge, "badge state-running");
  assert.equal(cells[4].time, build.created_at);
});

test("news of a shown build replaces its row; a newer one goes on top; an older one waits", () => {
  assert.equal(placement([44, 43, 42], 42), "replace");
  assert.equal(placement([44, 43, 42], 45), "prepend");
  assert.equal(placement([44, 43, 42], 12), "skip");
  assert.equal(placement([], 1), "prepend");
});
