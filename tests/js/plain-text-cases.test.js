// The displayed text that search looks through: the table app/logsearch/display.py
// (the server's search) passes too, so the server counts what the page marks.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { plainText } from "../../app/static/src/ansi.js";

const CASES = JSON.parse(readFileSync(new URL("../plain_text_cases.json", import.meta.url), "utf8"));

test("every shared case shows the text the server's search looks through", () => {
  assert.ok(CASES.length >= 20);
  for (const [raw, plain, why] of CASES) {
    assert.equal(plainText(raw), plain, why);
  }
});
