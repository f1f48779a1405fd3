// The style carried across lines: the table app/sgr.py passes too.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { styleAfter } from "../../app/static/src/sgr-state.js";

const CASES = JSON.parse(readFileSync(new URL("../sgr_state_cases.json", import.meta.url), "utf8"));

test("every shared case gives the style app/sgr.py gives", () => {
  assert.ok(CASES.length >= 30);
  for (const [style, line, after] of CASES) {
    assert.equal(styleAfter(style, line), after, JSON.stringify([style, line]));
  }
});

test("a line without an escape returns the very style it was given", () => {
  const style = "\x1b[1;31m";
  assert.equal(styleAfter(style, "plain"), style);
  assert.equal(styleAfter("", "plain"), "");
});

test("folding line by line equals folding the lines joined by newlines", () => {
  let style = "";
  for (const [, line] of CASES) style = styleAfter(style, line);
  assert.equal(style, styleAfter("", CASES.map(function (c) { return c[1]; }).join("\n")));
});
