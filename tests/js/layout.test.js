// The house rule for the page scripts: a newcomer reads any function top to
// bottom, so none is longer than 80 lines.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { parse } from "acorn";
import { full } from "acorn-walk";

const SOURCES = new URL("../../app/static/src/", import.meta.url).pathname;
const MAX_LINES = 80;
const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

function longFunctions(file) {
  const text = readFileSync(join(SOURCES, file), "utf8");
  const tree = parse(text, { ecmaVersion: "latest", sourceType: "module", locations: true });
  const long = [];
  full(tree, (node) => {
    if (!FUNCTIONS.has(node.type)) return;
    const lines = node.loc.end.line - node.loc.start.line + 1;
    if (lines > MAX_LINES) long.push(file + ":" + node.loc.start.line + " (" + lines + " lines)");
  });
  return long;
}

test("no page-script function is longer than 80 lines", () => {
  const files = readdirSync(SOURCES).filter((name) => name.endsWith(".js"));
  assert.ok(files.length > 5);
  assert.deepEqual(files.flatMap(longFunctions), []);
});
