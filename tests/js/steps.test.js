// Steps as the server records them: replaced by line, their lines, their durations.
import assert from "node:assert/strict";
import { test } from "node:test";

import { StepSet, stepDuration } from "../../app/static/src/steps.js";

test("a step's duration runs to its finish, or to now while it is open", () => {
  const started = { started_at: "2026-01-01T00:00:00.000Z", finished_at: null };
  assert.equal(stepDuration(started, Date.parse("2026-01-01T00:01:12.500Z")), 72500);
  assert.equal(stepDuration({ ...started, finished_at: "2026-01-01T00:00:40Z" }, 0), 40000);
  assert.equal(stepDuration({ started_at: null }, 0), null);
  assert.equal(stepDuration(started, Date.parse("2025-12-31T23:59:00Z")), 0); // a clock behind the server's
});

test("a later record of a step replaces it; steps arriving out of order are kept in order", () => {
  const steps = new StepSet();
  steps.merge([{ title: "b", line: 10, end_line: null }, { title: "a", line: 2, end_line: 5 }], 12, null);
  assert.deepEqual(steps.list.map((step) => step.line), [2, 10]);
  const [changed] = steps.merge([{ title: "b", line: 10, end_line: 11, errors: 2 }], 12, null);
  assert.equal(changed, steps.byLine.get(10));
  assert.equal(changed.errors, 2);
  assert.equal(steps.size, 2);
  assert.deepEqual(steps.holding(4, 12).map((step) => step.title), ["a"]);
  assert.equal(steps.containing(11, 12).title, "b");
  assert.equal(steps.containing(8, 12), null);
});

test("hidden ranges merge and never reach past the lines held", () => {
  const steps = new StepSet();
  steps.merge([
    { line: 1, end_line: 3, collapsed: true },
    { line: 4, end_line: 20, collapsed: true }, // its end has not arrived yet
  ], 8, null);
  assert.deepEqual(steps.hiddenRanges(8), [[2, 3], [5, 8]]);
});
