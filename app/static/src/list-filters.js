// The build list's filters: read from and written to the page's URL (so a
// filtered view can be shared), turned into the API's query, and applied to
// live news the way the server applies them to a page of builds.

export const FILTER_NAMES = ["recipe", "state", "q"];

/** {recipe, state, q} from a query string such as location.search; absent ones are "". */
export function filtersFromSearch(search) {
  const params = new URLSearchParams(search);
  return Object.fromEntries(FILTER_NAMES.map((name) => [name, (params.get(name) || "").trim()]));
}

/** The query string ("?recipe=demo&q=x", or "") that holds the filters set. */
export function searchFromFilters(filters) {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (filters[name]) params.set(name, filters[name]);
  const text = params.toString();
  return text ? "?" + text : "";
}

/** Whether any filter is set. */
export function isFiltered(filters) {
  return FILTER_NAMES.some((name) => Boolean(filters[name]));
}

/** The /api/builds address of a page of `limit` builds, older than `before` when given. */
export function listAddress(filters, limit, before) {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (filters[name]) params.set(name, filters[name]);
  params.set("limit", String(limit));
  if (before) params.set("before", String(before));
  return "/api/builds?" + params.toString();
}

// How the server shows a secret parameter's value; that is never searched.
const MASK = "***";

/** Whether the text `q` is found, ignoring case, in a parameter's name or (not secret) value. */
export function paramsMatch(params, q) {
  if (!q) return true;
  const needle = q.toLowerCase();
  return Object.entries(params || {}).some(([name, value]) =>
    name.toLowerCase().includes(needle) ||
    (value !== MASK && String(value).toLowerCase().includes(needle)));
}

/** Whether `build` belongs in a list filtered by `filters`: recipe and state exactly, q as text. */
export function matchesFilters(build, filters) {
  if (filters.recipe && build.recipe !== filters.recipe) return false;
  if (filters.state && build.state !== filters.state) return false;
  return paramsMatch(build.params, filters.q);
}
