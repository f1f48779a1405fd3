// The page's model of a log: lines numbered from 1, each once, and the rows
// that the server's steps leave visible as folds.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LogModel } from "../../app/static/src/log-model.js";

function numbered(first, count) {
  return Array.from({ length: count }, (_, i) => "line " + (first + i));
}

function visible(model) {
  return Array.from({ length: model.rows }, (_, row) => model.lineAtRow(row));
}

test("lines held already are skipped and a gap is refused", () => {
  const model = new LogModel();
  assert.equal(model.append(1, numbered(1, 5), [1, 2, 3, 4, 5]), 5);
  assert.equal(model.append(3, numbered(3, 5), [3, 4, 5, 6, 7]), 2); // 3-5 again, 6-7 new
  assert.equal(model.count, 7);
  assert.deepEqual([model.line(6), model.line(7)], ["line 6", "line 7"]);
  assert.throws(() => model.append(9, ["line 9"], [9]), /lines 8\.\.8 are missing/);
  assert.equal(model.count, 7);
});

function folded() {
  const model = new LogModel();
  model.append(1, ["before", "::group::Compile", "a", "b", "::endgroup::", "after"], [0, 10, 20, 30, 40, 50]);
  model.mergeSteps([{ title: "Compile", line: 2, end_line: 5, depth: 0, collapsed: true, end_marker: true }]);
  return model;
}

test("a closed step shows its header only; an open one hides just its end marker", () => {
  const model = folded();
  const step = model.stepAt(2);
  assert.equal(step.title, "Compile");
  assert.equal(model.stepLineCount(step), 2);
  assert.equal(model.rows, 3); // before, the header, after
  assert.deepEqual(visible(model), [1, 2, 6]);
  assert.equal(model.rowOfLine(3), null);
  model.setOpen(step, true);
  assert.deepEqual(visible(model), [1, 2, 3, 4, 6]);
  assert.equal(model.rowOfLine(5), null);
});

test("folds come from the server's steps, not from the text", () => {
  const model = new LogModel();
  model.append(1, ["::group::Looks like a group", "a", "::endgroup::"], null);
  assert.equal(model.rows, 3);
  assert.equal(model.stepAt(1), undefined);
});

test("revealing a hidden line opens its fold; a visible line changes nothing", () => {
  const model = folded();
  assert.equal(model.reveal(6), false);
  assert.equal(model.reveal(3), true);
  assert.equal(model.stepAt(2).open, true);
  assert.equal(model.rowOfLine(3), 2);
});

// 1 outer (collapsed=false) [1..12], 2 inner (collapsed) [2..6] with its marker,
// 7 a second inner [7..11] (collapsed), 12 outer's marker.
function nested() {
  const model = new LogModel();
  model.append(1, numbered(1, 14), null);
  model.mergeSteps([
    { title: "outer", line: 1, end_line: 12, depth: 0, collapsed: false, end_marker: true },
    { title: "inner", line: 2, end_line: 6, depth: 1, collapsed: true, end_marker: true },
    { title: "second", line: 7, end_line: 11, depth: 1, collapsed: true, end_marker: false },
  ]);
  return model;
}

test("nested steps: each closed one hides its own lines, the open outer one its marker", () => {
  const model = nested();
  assert.deepEqual(visible(model), [1, 2, 7, 13, 14]);
  model.setOpen(model.stepAt(2), true);
  assert.deepEqual(visible(model), [1, 2, 3, 4, 5, 7, 13, 14]); // 6 is inner's marker
  model.setOpen(model.stepAt(1), false);
  assert.deepEqual(visible(model), [1, 13, 14]); // a closed outer step hides what it holds, open or not
});

test("revealing a line opens every step that holds it, outermost to innermost", () => {
  const model = nested();
  model.setOpen(model.stepAt(1), false);
  model.reveal(9);
  assert.deepEqual([1, 2, 7].map((line) => model.stepAt(line).open), [true, false, true]);
  assert.notEqual(model.rowOfLine(9), null);
});

test("a step that arrives later opens when it holds the line the reader was taken to", () => {
  const model = new LogModel();
  model.append(1, numbered(1, 10), null);
  model.reveal(5);
  model.mergeSteps([{ title: "late", line: 3, end_line: 8, collapsed: true }, { title: "other", line: 9, end_line: null }]);
  assert.equal(model.stepAt(3).open, true);
  assert.equal(model.stepAt(9).open, false);
  assert.deepEqual(visible(model), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("an open step runs to the last line so far; a later record replaces it and keeps it open", () => {
  const model = new LogModel();
  model.append(1, ["--- build", "a", "b"], null);
  model.mergeSteps([{ title: "build", line: 1, end_line: null, collapsed: true }]);
  assert.deepEqual(visible(model), [1]);
  model.append(4, ["c"], null);
  assert.equal(model.stepLineCount(model.stepAt(1)), 3);
  model.setOpen(model.stepAt(1), true);
  model.append(5, ["--- test", "d"], null);
  model.mergeSteps([{ title: "build", line: 1, end_line: 4, finished_at: "2026-01-01T00:00:05Z" }]);
  assert.equal(model.stepAt(1).open, true);
  assert.equal(model.stepAt(1).end_line, 4);
  assert.deepEqual(visible(model), [1, 2, 3, 4, 5, 6]);
});

// A style is any string here: the model only carries what styleAfter says.
function colourModel() {
  return new LogModel((style, raw) => (raw.includes("\x1b[0m") ? "" : raw.includes("\x1b[31m") ? "red" : style));
}

test("a log opens at its tail: the count is the log's, and only the tail is held", () => {
  const model = new LogModel();
  model.open(5000, 4501, numbered(4501, 500), null, "");
  assert.equal(model.count, 5000);
  assert.equal(model.line(4501), "line 4501");
  assert.equal(model.line(5000), "line 5000");
  assert.equal(model.line(4500), undefined);
  assert.equal(model.has(1), false);
  assert.equal(model.complete(4), false); // 4501-5000 of 4001-5000
});

test("ranges fill in counted lines; lines past the count wait for the stream", () => {
  const model = new LogModel();
  model.open(2500, 2001, numbered(2001, 500), null, "");
  model.fill(1001, numbered(1001, 1000), null, "");
  assert.equal(model.complete(1), true);
  assert.equal(model.complete(0), false);
  model.fill(2401, numbered(2401, 200), null, ""); // 2501-2600 are not counted yet
  assert.equal(model.line(2600), undefined);
  assert.equal(model.append(2501, numbered(2501, 3), null), 3);
  assert.equal(model.count, 2503);
  assert.equal(model.line(2503), "line 2503");
});

test("the terminal style carries from line to line and from a range's start", () => {
  const model = colourModel();
  model.open(3, 1, ["\x1b[31mred on", "still red", "\x1b[0mreset"], null, "");
  assert.deepEqual([model.styleAt(1), model.styleAt(2), model.styleAt(3)], ["", "red", "red"]);
  assert.equal(model.append(4, ["plain"], null), 1);
  assert.equal(model.styleAt(4), "");
  model.fill(2, ["still red"], null, "red");
  assert.equal(model.styleAt(2), "red");
});

test("blocks far from the view are dropped, the ones near it kept", () => {
  const model = new LogModel();
  model.open(60000, 59501, numbered(59501, 500), null, "");
  for (let block = 0; block < 59; block++) model.fill(block * 1000 + 1, numbered(block * 1000 + 1, 1000), null, "");
  assert.equal(model.blocks.size, 60);
  model.evict(30500, 10);
  assert.equal(model.blocks.size, 10);
  assert.equal(model.has(30500), true);
  assert.equal(model.has(1), false);
  assert.equal(model.has(60000), false);
  assert.equal(model.count, 60000); // the count stays: dropped lines load again
});

test("a run of held lines stops at a hole and at its block's end", () => {
  const model = new LogModel();
  model.open(1500, 1, numbered(1, 1500), null, "");
  assert.equal(model.heldRun(990).length, 11);
  model.evict(1500, 1);
  assert.deepEqual(model.heldRun(1), []);
  assert.equal(model.heldRun(1001).length, 500);
});
