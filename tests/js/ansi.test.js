// Terminal text to what the page shows: colours kept, every other escape dropped.
import assert from "node:assert/strict";
import { test } from "node:test";

import { displayText, plainText, styledPieces } from "../../app/static/src/ansi.js";

test("colours are kept for anser and gone from the plain text", () => {
  assert.equal(displayText("\x1b[31mred\x1b[0m"), "\x1b[31mred\x1b[0m");
  assert.equal(plainText("\x1b[1;38;5;208mbold orange\x1b[0m"), "bold orange");
  const [piece] = styledPieces("\x1b[31mred\x1b[0m");
  assert.equal(piece.text, "red");
  assert.ok(piece.color);
});

test("cursor moves, titles, private modes and C1 controls never reach the page", () => {
  assert.equal(displayText("a\x1b[2Jb\x1b[5Ac"), "abc");
  assert.equal(displayText("a\x1b]0;title\x07b"), "ab");
  assert.equal(displayText("a\x1b[>4;2mb"), "ab");
  assert.equal(displayText("a\x9b2Jb"), "a\ufffd2Jb");
});

test("control characters are shown as symbols and a progress bar as its last state", () => {
  assert.equal(displayText("nul \x00 byte"), "nul \u2400 byte");
  assert.equal(displayText("10%\r55%\r100%"), "100%");
  assert.equal(displayText("done\r"), "done");
});
