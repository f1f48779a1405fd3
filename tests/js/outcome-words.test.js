// How a finished build ended, in words: every reason the server records
// (tests/outcome_words_cases.json, which the CLI's words pass too).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { durationWords, outcomeWords } from "../../app/static/src/outcome-words.js";

const CASES = JSON.parse(readFileSync(new URL("../outcome_words_cases.json", import.meta.url), "utf8"));

test("durations read in whole units, the two largest that matter", () => {
  for (const [ms, words] of CASES.durations) assert.equal(durationWords(ms), words, String(ms));
  assert.equal(durationWords(Number.NaN), null);
  assert.equal(durationWords("40000"), null);
});

for (const { case: name, build, words } of CASES.outcomes) {
  test("outcome: " + name, () => {
    assert.equal(outcomeWords(build), words);
  });
}

test("no sentence ever names a negative exit code", () => {
  for (const { build } of CASES.outcomes) {
    assert.doesNotMatch(outcomeWords(build) || "", /exit code -/);
  }
});

test("nothing known about the build: no words", () => {
  assert.equal(outcomeWords(null), null);
  assert.equal(outcomeWords({}), null);
  assert.equal(outcomeWords({ state: "exploded" }), null);
});
