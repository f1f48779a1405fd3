// Row heights with long lines wrapped: how many text rows each line takes, and
// which row sits at a given height, kept up as lines arrive and folds change.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LogModel } from "../../app/static/src/log-model.js";
import { displayWidth, WrappedRows } from "../../app/static/src/row-geometry.js";

test("display width counts what shows: no escapes, tabs to the next stop, wide characters twice", () => {
  assert.equal(displayWidth("plain text"), 10);
  assert.equal(displayWidth("\x1b[31mred\x1b[0m"), 3);
  assert.equal(displayWidth("a\tb"), 9);
  assert.equal(displayWidth("日本"), 4);
  assert.equal(displayWidth("10%\r100%"), 4);
});

function wrapped(model, columns) {
  return new WrappedRows((line) => Math.max(1, Math.ceil(displayWidth(model.line(line)) / columns)));
}

test("each row is as tall as its text needs, and heights map back to rows", () => {
  const model = new LogModel();
  model.append(1, ["short", "x".repeat(25), "", "y".repeat(10)], null);
  const rows = wrapped(model, 10);
  rows.sync(model, "v1");
  assert.deepEqual([0, 1, 2, 3, 4].map((row) => rows.top(row)), [0, 1, 4, 5, 6]);
  assert.equal(rows.total, 6);
  assert.deepEqual([0, 1, 3.5, 4, 5.9, 6, 7.2].map((unit) => rows.rowAt(unit)), [0, 1, 1, 2, 3, 4, 5]);
  assert.equal(rows.units(1), 3);
});

test("new lines extend the heights; a fold that changes starts them over", () => {
  const model = new LogModel();
  model.append(1, ["head", "a".repeat(30), "b"], null);
  const rows = wrapped(model, 10);
  rows.sync(model, 0);
  assert.equal(rows.total, 5);
  model.append(4, ["c".repeat(20)], null);
  rows.sync(model, 0);
  assert.equal(rows.total, 7);
  model.mergeSteps([{ title: "head", line: 1, end_line: 3, collapsed: true }]);
  rows.sync(model, model.foldVersion);
  assert.equal(rows.total, 3); // the header, then line 4 in two rows
  assert.equal(rows.rowAt(2), 1);
});

test("a long log measures only the lines it holds, and again when they load or go", () => {
  const model = new LogModel();
  const numbered = (first, count, text) => Array.from({ length: count }, (_, i) => text || "line " + (first + i));
  model.open(2000000, 1999501, numbered(1999501, 500), null, "");
  const rows = new WrappedRows((line) => {
    const text = model.line(line);
    return text === undefined ? 1 : Math.max(1, Math.ceil(displayWidth(text) / 10));
  });
  rows.sync(model, 0);
  assert.equal(rows.total, 2000000 + 500); // the tail's "line 1999501".. take two units each
  model.fill(1000001, numbered(1000001, 1000, "x".repeat(25)), null, ""); // three units each
  rows.sync(model, 0);
  assert.equal(rows.total, 2000000 + 500 + 2000);
  assert.equal(rows.top(1000000), 1000000);
  assert.equal(rows.top(1000001), 1000003);
  assert.equal(rows.rowAt(1000002.5), 1000000);
  assert.equal(rows.rowAt(1000003), 1000001);
  assert.equal(rows.rowAt(1003000), 1001000); // past the block: one unit a row again
  assert.equal(rows.units(1999999), 2);
  model.evict(1, 0);
  rows.sync(model, 0);
  assert.equal(rows.total, 2000000);
});
