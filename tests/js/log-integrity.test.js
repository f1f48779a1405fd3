// The verdict on a finished log and the words the page shows for it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { integrityText, LogChecksum, verdictOf } from "../../app/static/src/log-integrity.js";

function received(lines) {
  const checksum = new LogChecksum();
  checksum.add(lines);
  return checksum;
}

test("the same lines are verified", () => {
  const checksum = received(["line 1", "line 2"]);
  const build = { state: "succeeded", lines: 2, log_crc32: 2235413505 };
  assert.equal(verdictOf(build, checksum), "verified");
  assert.equal(integrityText("verified", build, checksum), "complete · 2 lines · verified");
});

test("a changed line, or a missing one, is a mismatch", () => {
  const build = { state: "failed", lines: 2, log_crc32: 2235413505 };
  const changed = received(["line 1", "line 3"]);
  assert.equal(verdictOf(build, changed), "mismatch");
  assert.equal(integrityText("mismatch", build, changed), "this copy differs from the stored log");
  const short = received(["line 1"]);
  assert.equal(verdictOf(build, short), "mismatch");
  assert.equal(integrityText("mismatch", build, short), "this copy differs from the stored log (1 line here, 2 stored)");
});

test("without a stored checksum the page only counts", () => {
  const checksum = received(["a", "b", "c"]);
  for (const build of [{ lines: 3 }, { lines: 3, log_crc32: null }]) {
    assert.equal(verdictOf(build, checksum), "unverifiable");
  }
  assert.equal(integrityText("unverifiable", { lines: 3 }, checksum), "complete · 3 lines");
});

test("large counts are grouped", () => {
  const checksum = received(Array.from({ length: 12345 }, (_, i) => "line " + i));
  assert.equal(integrityText("unverifiable", { lines: 12345 }, checksum), "complete · 12,345 lines");
});
