// The tab icon for each state of a build.
import assert from "node:assert/strict";
import { test } from "node:test";

import { faviconHref } from "../../app/static/src/favicon-state.js";

test("each state has its own icon, an SVG data URL", () => {
  const states = ["queued", "running", "succeeded", "failed", "cancelled"];
  const hrefs = states.map(faviconHref);
  assert.equal(new Set(hrefs).size, states.length);
  for (const href of hrefs) {
    assert.match(href, /^data:image\/svg\+xml,/);
    assert.match(decodeURIComponent(href), /^data:image\/svg\+xml,<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  }
  assert.equal(faviconHref("unknown"), null);
});
