// Annotations from the API and from live lines merged into one ordered set,
// each once, with true totals and error-to-error steps.
import assert from "node:assert/strict";
import { test } from "node:test";

import { AnnotationSet } from "../../app/static/src/annotation-set.js";

const error = (line, message = "boom") => ({ line, level: "error", message });
const warning = (line, message = "hm") => ({ line, level: "warning", message });

test("the same line, level and message is one annotation, whichever way it came", () => {
  const set = new AnnotationSet();
  assert.equal(set.merge([error(3), warning(3), error(9)]).length, 3);
  assert.deepEqual(set.merge([error(9), error(9, "another"), { ...error(3), file: "a.c" }]), [error(9, "another")]);
  assert.deepEqual(set.counts, { error: 3, warning: 1, notice: 0 });
  assert.equal(set.on(9).length, 2);
  assert.equal(set.on(4), null);
});

test("annotations that arrive out of order are kept in order of line", () => {
  const set = new AnnotationSet();
  set.merge([error(50), error(60)]); // live, before the API's first page
  set.merge([warning(2), error(10), error(50)]);
  assert.deepEqual(set.list.map((a) => a.line), [2, 10, 50, 60]);
});

test("invalid records are ignored", () => {
  const set = new AnnotationSet();
  assert.deepEqual(set.merge([null, { line: 0, level: "error", message: "x" }, { line: 2, level: "fatal", message: "x" },
    { line: 2.5, level: "error", message: "x" }, { line: 3, level: "error" }]), []);
});

test("the server's totals count until the annotations themselves arrive", () => {
  const set = new AnnotationSet();
  set.report({ error: 4, warning: 0, notice: 2 });
  assert.deepEqual(set.counts, { error: 4, warning: 0, notice: 2 });
  assert.equal(set.missing, true);
  set.merge([error(1), error(2), error(3), error(4), { line: 5, level: "notice", message: "n" }, { line: 6, level: "notice", message: "m" }]);
  assert.equal(set.missing, false);
  set.merge([error(7)]); // live, newer than the report
  assert.equal(set.counts.error, 5);
  set.report({ error: 3 }); // an older report never lowers a count
  assert.equal(set.counts.error, 5);
});

test("next and previous error wrap around and skip warnings", () => {
  const set = new AnnotationSet();
  assert.equal(set.nextError(1, 1), null);
  set.merge([error(10), warning(15), error(20), error(20, "twice"), error(30)]);
  assert.equal(set.firstError(), 10);
  assert.equal(set.nextError(null, 1), 10);
  assert.equal(set.nextError(null, -1), 30);
  assert.equal(set.nextError(10, 1), 20);
  assert.equal(set.nextError(15, 1), 20);
  assert.equal(set.nextError(20, 1), 30);
  assert.equal(set.nextError(30, 1), 10);
  assert.equal(set.nextError(20, -1), 10);
  assert.equal(set.nextError(21, -1), 20);
  assert.equal(set.nextError(10, -1), 30);
  set.merge([error(5)]);
  assert.equal(set.nextError(30, 1), 5);
});
