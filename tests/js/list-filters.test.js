// The build list's filters: in the page's URL, in the API's query, and applied to live news.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  filtersFromSearch, isFiltered, listAddress, matchesFilters, searchFromFilters,
} from "../../app/static/src/list-filters.js";

test("filters go to the URL and come back from it; empty ones are left out", () => {
  const filters = filtersFromSearch("?recipe=demo&state=failed&q=foo%20bar&other=1");
  assert.deepEqual(filters, { recipe: "demo", state: "failed", q: "foo bar" });
  assert.equal(filtersFromSearch(searchFromFilters(filters)).q, "foo bar");
  assert.equal(searchFromFilters({ recipe: "", state: "running", q: "" }), "?state=running");
  assert.equal(searchFromFilters({ recipe: "", state: "", q: "" }), "");
  assert.equal(isFiltered(filtersFromSearch("")), false);
  assert.equal(isFiltered(filtersFromSearch("?q=x")), true);
});

test("the API's address carries the filters, the page size and the page's start", () => {
  const filters = { recipe: "demo", state: "", q: "a&b" };
  assert.equal(listAddress(filters, 20), "/api/builds?recipe=demo&q=a%26b&limit=20");
  assert.equal(listAddress(filters, 20, 17), "/api/builds?recipe=demo&q=a%26b&limit=20&before=17");
});

test("live news is kept when recipe and state match exactly and q is in a parameter, any case", () => {
  const build = { recipe: "demo", state: "running", params: { BRANCH: "Feature-X", LINES: "5" } };
  const none = { recipe: "", state: "", q: "" };
  assert.ok(matchesFilters(build, none));
  assert.ok(matchesFilters(build, { ...none, recipe: "demo", state: "running" }));
  assert.ok(!matchesFilters(build, { ...none, recipe: "dem" }));
  assert.ok(!matchesFilters(build, { ...none, state: "failed" }));
  assert.ok(matchesFilters(build, { ...none, q: "feature-x" }));
  assert.ok(matchesFilters(build, { ...none, q: "lines" }));
  assert.ok(!matchesFilters(build, { ...none, q: "lines=5" })); // a name or a value, as the server
  assert.ok(!matchesFilters({ ...build, params: { TOKEN: "***" } }, { ...none, q: "**" }));
  assert.ok(!matchesFilters(build, { ...none, q: "main" }));
  assert.ok(!matchesFilters({ ...build, params: {} }, { ...none, q: "x" }));
});
