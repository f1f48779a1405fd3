// Line links (#L42, #L40-L50): the pure parsing and formatting the page relies on.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatLineLink, parseLineLink } from "../../app/static/src/permalink.js";

test("a single line and a range round-trip", () => {
  assert.deepEqual(parseLineLink("#L42"), [42, 42]);
  assert.deepEqual(parseLineLink(formatLineLink(40, 50)), [40, 50]);
});

test("anything else is not a line link", () => {
  assert.equal(parseLineLink("#L0"), null);
  assert.equal(parseLineLink("#top"), null);
  assert.equal(parseLineLink(""), null);
});
