// The comparison page's words for an answer.
import assert from "node:assert/strict";
import { test } from "node:test";

import { summary } from "../../app/static/src/diff-page.js";

test("the summary says identical, or how many differences among how many lines", () => {
  assert.equal(summary({ identical: true, hunks_total: 0, log_lines: { a: 5, b: 5 } }),
    "The logs are identical (once volatile text is ignored).");
  assert.equal(summary({ identical: false, hunks_total: 1, log_lines: { a: 40, b: 41 } }),
    "1 difference between 40 and 41 lines.");
  assert.equal(summary({ identical: false, hunks_total: 3, log_lines: { a: 40, b: 40 } }),
    "3 differences between 40 and 40 lines.");
});
