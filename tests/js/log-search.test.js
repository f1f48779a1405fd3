// Whole-log search as the page keeps it: the server's streamed records, lines
// that arrive after its search began, and the marks on a shown line.
import assert from "node:assert/strict";
import { test } from "node:test";

import { LogModel } from "../../app/static/src/log-model.js";
import { LogSearch, matcherFor, readRecords } from "../../app/static/src/log-search.js";

function searching(query, options) {
  const model = new LogModel();
  const changes = [];
  const search = new LogSearch(7, model, (jump, lines) => changes.push(jump) && (changes.lines = lines));
  search.run = () => Promise.resolve(); // the server's answer is fed by hand below
  search.setQuery(query, options);
  return { model, search, changes };
}

test("plain text is found case-insensitively, a regex when asked, case when asked", () => {
  assert.deepEqual(matcherFor("err")("ERR: error"), [{ start: 0, end: 3 }, { start: 5, end: 8 }]);
  assert.deepEqual(matcherFor("a.c")("abc a.c"), [{ start: 4, end: 7 }]);
  assert.deepEqual(matcherFor("a.c", { regex: true })("abc"), [{ start: 0, end: 3 }]);
  assert.deepEqual(matcherFor("Err", { matchCase: true })("err Err"), [{ start: 4, end: 7 }]);
  assert.deepEqual(matcherFor("x*", { regex: true })("axxb"), [{ start: 1, end: 3 }]);
  assert.equal(matcherFor("(", { regex: true }), null);
});

test("the server's records count every match and the first one is jumped to", () => {
  const { search, changes } = searching("needle");
  assert.equal(search.summary(), "searching…");
  search.take({ build: 7, range: [1, 5000000] });
  search.take({ matches: [[10, 1], [2500000, 2]], scanned: 2600000 });
  assert.equal(changes.at(-1), true);
  assert.equal(search.summary(), "1 of 3…");
  search.take({ done: true, total: 3, scanned: 5000000, stopped: null });
  assert.equal(search.summary(), "1 of 3");
  assert.deepEqual([search.step(1), search.step(1), search.step(1)], [{ line: 2500000 }, { line: 2500000 }, { line: 10 }]);
  assert.deepEqual(search.step(-1), { line: 2500000 });
});

test("lines that arrive while the server searches are searched after it, past its range", () => {
  const { search } = searching("needle");
  search.take({ build: 7, range: [1, 100] });
  search.addLive(100, ["needle at 100", "needle at 101", "nothing"]);
  assert.equal(search.lines.length, 0); // held until the server is done
  search.take({ matches: [[100, 1]], scanned: 100 });
  search.take({ done: true, total: 1, scanned: 100, stopped: null });
  assert.deepEqual(search.lines, [100, 101]);
  search.addLive(103, ["\x1b[1mNEE\x1b[0mDLE"]); // the displayed text is what is searched
  assert.deepEqual(search.lines, [100, 101, 103]);
});

test("each change names the lines that gained matches, or null when any may have", () => {
  const { search, changes } = searching("needle");
  assert.equal(changes.lines, null); // a new query: every line's marks may change
  search.take({ build: 7, range: [1, 100] });
  assert.deepEqual(changes.lines, []); // progress only
  search.take({ matches: [[40, 1], [90, 2]], scanned: 90 });
  assert.deepEqual(changes.lines, [40, 90]);
  search.addLive(101, ["a needle"]);
  search.take({ done: true, total: 3, scanned: 100, stopped: null });
  assert.deepEqual(changes.lines, [101]); // held live lines, searched at the end
  search.addLive(102, ["nothing", "needle"]);
  assert.deepEqual(changes.lines, [103]);
  search.fail("the search ended early");
  assert.equal(changes.lines, null);
});

test("a stopped search says so, and an error reads as the server's sentence", () => {
  const { search } = searching("a");
  search.take({ matches: [[1, 3]], scanned: 1 });
  search.take({ done: true, total: 3, scanned: 1, stopped: "limit" });
  assert.equal(search.summary(), "1 of 3+");
  search.fail("q is longer than 200 characters");
  assert.equal(search.summary(), "q is longer than 200 characters");
  assert.equal(search.state, "error");
});

test("marks are found again in a loaded line, the current one flagged", () => {
  const { model, search } = searching("ab");
  model.open(2, 1, ["xx ab ab", "none"], null, "");
  search.take({ matches: [[1, 2]], scanned: 2 });
  search.take({ done: true, total: 2, scanned: 2, stopped: null });
  search.step(1);
  assert.deepEqual(search.marksOn(1, 0), [{ start: 3, end: 5, current: false }, { start: 6, end: 8, current: true }]);
  assert.equal(search.marksOn(2, 0), null);
  model.evict(1, 0);
  assert.equal(search.marksOn(1, 0), null); // not loaded: nothing to mark yet
});

test("records split across chunks are read whole", async () => {
  const chunks = ['{"range": [1, 9]}\n{"matc', 'hes": [[3, 1]], "scanned": 9}\n', '{"done": true}'];
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  const records = [];
  await readRecords({ body }, (record) => records.push(record));
  assert.deepEqual(records, [{ range: [1, 9] }, { matches: [[3, 1]], scanned: 9 }, { done: true }]);
});
