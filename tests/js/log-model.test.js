// The page's model of a log: lines numbered from 1, each once, and the rows
// that ::group:: folds leave visible.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LogModel } from "../../app/static/src/log-model.js";

function numbered(first, count) {
  return Array.from({ length: count }, (_, i) => "line " + (first + i));
}

test("lines held already are skipped and a gap is refused", () => {
  const model = new LogModel();
  assert.equal(model.append(1, numbered(1, 5), [1, 2, 3, 4, 5]), 5);
  assert.equal(model.append(3, numbered(3, 5), [3, 4, 5, 6, 7]), 2); // 3-5 again, 6-7 new
  assert.equal(model.count, 7);
  assert.deepEqual(model.lines.slice(-2), ["line 6", "line 7"]);
  assert.throws(() => model.append(9, ["line 9"], [9]), /lines 8\.\.8 are missing/);
  assert.equal(model.count, 7);
});

function folded() {
  const model = new LogModel();
  model.append(1, ["before", "::group::Compile", "a", "b", "::endgroup::", "after"], [0, 10, 20, 30, 40, 50]);
  return model;
}

test("a closed group shows its header only; an open one hides just its end marker", () => {
  const model = folded();
  const [group] = model.groups;
  assert.equal(group.title, "Compile");
  assert.equal(model.groupLineCount(group), 2);
  assert.equal(model.groupDuration(group), 30);
  assert.equal(model.rows, 3); // before, the header, after
  assert.deepEqual([0, 1, 2].map((row) => model.lineAtRow(row)), [1, 2, 6]);
  assert.equal(model.rowOfLine(3), null);
  model.setOpen(group, true);
  assert.equal(model.rows, 5);
  assert.equal(model.rowOfLine(4), 3);
  assert.equal(model.rowOfLine(5), null);
});

test("revealing a hidden line opens its fold; a visible line changes nothing", () => {
  const model = folded();
  assert.equal(model.reveal(6), false);
  assert.equal(model.reveal(3), true);
  assert.equal(model.groups[0].open, true);
  assert.equal(model.rowOfLine(3), 2);
});
