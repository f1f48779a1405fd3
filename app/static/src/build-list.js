// The list of builds on the home page: filtered by recipe, state and text as
// the page's URL says (so a filtered view can be shared), a page at a time from
// GET /api/builds, kept live through `follow_builds` with only the news that
// matches the filters, its times kept fresh.
import { io } from "socket.io-client";

import { buildRow, placement, refreshTimes } from "./build-row.js";
import {
  FILTER_NAMES, filtersFromSearch, isFiltered, listAddress, matchesFilters, searchFromFilters,
} from "./list-filters.js";

const PAGE_SIZE = 20;
const RELATIVE_EVERY_MS = 30_000;
const DURATION_EVERY_MS = 1_000;
const TYPING_PAUSE_MS = 400;
const QUEUE_REFRESH_MS = 1_000;

function readFilters(form) {
  return Object.fromEntries(FILTER_NAMES.map((name) => [name, form.elements[name].value.trim()]));
}

function showFilters(form, filters) {
  for (const name of FILTER_NAMES) form.elements[name].value = filters[name];
}

// The rows of the table, keyed by build id, newest first.
function rowsOf(table, document, csrfToken) {
  const shownIds = () => Array.from(table.rows, (row) => Number(row.dataset.buildId));
  const rowFor = (id) => table.querySelector('tr[data-build-id="' + id + '"]');
  const shown = new Map(); // build id -> its JSON as last shown, so news without change is left be
  const make = (build) => {
    shown.set(build.id, JSON.stringify(build));
    return buildRow(document, build, csrfToken);
  };
  return {
    shownIds,
    upsert(build) {
      const where = placement(shownIds(), build.id);
      if (where === "replace" && shown.get(build.id) !== JSON.stringify(build)) {
        rowFor(build.id).replaceWith(make(build));
      }
      if (where === "prepend") table.prepend(make(build));
    },
    remove(id) {
      const row = rowFor(id);
      if (row) row.remove();
      shown.delete(id);
    },
    append(builds) {
      const ids = new Set(shownIds());
      for (const build of builds) if (!ids.has(build.id)) table.append(make(build));
    },
    clear() { table.replaceChildren(); shown.clear(); },
  };
}

function fetchPage(filters, before) {
  return fetch(listAddress(filters, PAGE_SIZE, before)).then((response) =>
    response.json().then((answer) => {
      if (!response.ok) throw new Error(answer.error || answer.message || "cannot list builds");
      return answer;
    }));
}

// Loads pages for the current filters; an answer for filters since changed is dropped.
function pager(rows, more, showEmpty) {
  let generation = 0;
  let nextBefore = null;
  function take(answer, mine) {
    if (mine !== generation) return;
    const builds = answer.builds || [];
    rows.append(builds);
    const last = rows.shownIds().at(-1);
    nextBefore = "next_before" in answer ? answer.next_before : builds.length < PAGE_SIZE ? null : last;
    more.hidden = !nextBefore;
    showEmpty();
  }
  function failed(error, mine) {
    if (mine !== generation) return;
    more.hidden = true;
    showEmpty(error.message);
  }
  function load(filters, before) {
    const mine = generation;
    more.disabled = true;
    return fetchPage(filters, before)
      .then((answer) => take(answer, mine), (error) => failed(error, mine))
      .finally(() => { if (mine === generation) more.disabled = false; });
  }
  // The newest page again, merged into what is shown: news missed before the live feed began.
  function catchUp(filters) {
    const mine = generation;
    if (!rows.shownIds().length) return load(filters, null);
    return fetchPage(filters, null).then((answer) => {
      if (mine !== generation) return;
      for (const build of (answer.builds || []).slice().reverse()) rows.upsert(build);
      showEmpty();
    }, () => {});
  }
  return {
    catchUp,
    first(filters) { generation += 1; rows.clear(); return load(filters, null); },
    older(filters) { return nextBefore ? load(filters, nextBefore) : Promise.resolve(); },
    firstFromPage(builds) {
      rows.append(builds);
      nextBefore = builds.length < PAGE_SIZE ? null : rows.shownIds().at(-1);
      more.hidden = !nextBefore;
      showEmpty();
    },
  };
}

function leftTheQueue(build) {
  return build.state === "running" || (build.state === "cancelled" && !build.started_at);
}

// The places of the builds shown as queued, asked for again (at most once a
// while): when one leaves the queue the others move up, and no news says so.
function queueWatcher(table, update) {
  let waiting = false;
  function ask() {
    waiting = false;
    for (const row of table.querySelectorAll('tr[data-state="queued"]')) {
      fetch("/api/builds/" + row.dataset.buildId)
        .then((response) => (response.ok ? response.json() : null))
        .then((build) => { if (build) update(build); }, () => {});
    }
  }
  return () => {
    if (waiting) return;
    waiting = true;
    setTimeout(ask, QUEUE_REFRESH_MS);
  };
}

export function buildList(document, window = globalThis) {
  const table = document.querySelector("#builds tbody");
  const empty = document.getElementById("no-builds");
  const more = document.getElementById("more-builds");
  const form = document.getElementById("build-filters");
  const csrfToken = (document.querySelector('#start-form input[name="csrf_token"]') || {}).value;
  const rows = rowsOf(table, document, csrfToken);
  let filters = filtersFromSearch(window.location.search);

  function showEmpty(problem) {
    empty.textContent = problem || (isFiltered(filters) ? "No builds match these filters." : "No builds yet.");
    empty.hidden = !problem && table.rows.length > 0;
  }
  const pages = pager(rows, more, showEmpty);

  // how: "push" a new history entry, "replace" the current one, or "none" (back/forward).
  function apply(next, how) {
    const search = searchFromFilters(next);
    if (how !== "none" && search === searchFromFilters(filters)) return;
    filters = next;
    const address = window.location.pathname + search;
    if (how === "push") window.history.pushState(null, "", address);
    if (how === "replace") window.history.replaceState(null, "", address);
    pages.first(filters);
  }

  showFilters(form, filters);
  let typing = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(typing);
    apply(readFilters(form), "push");
  });
  form.addEventListener("change", (event) => {
    if (event.target.tagName === "SELECT") apply(readFilters(form), "push");
  });
  form.elements.q.addEventListener("input", () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => apply(readFilters(form), "replace"), TYPING_PAUSE_MS);
  });
  window.addEventListener("popstate", () => {
    const next = filtersFromSearch(window.location.search);
    showFilters(form, next);
    apply(next, "none");
  });
  more.addEventListener("click", () => pages.older(filters));

  if (isFiltered(filters)) pages.first(filters);
  else pages.firstFromPage(JSON.parse(document.getElementById("first-builds").textContent));

  const socket = io("/builds");
  // Once the feed is live, the newest page again for what came before it; then
  // data-live says the list misses nothing from now on.
  socket.on("connect", () => socket.emit("follow_builds", {}, () => {
    pages.catchUp(filters).then(() => { table.parentElement.dataset.live = "true"; });
  }));
  socket.on("disconnect", () => { delete table.parentElement.dataset.live; });
  const refreshQueued = queueWatcher(table, (build) => {
    if (matchesFilters(build, filters)) rows.upsert(build);
  });
  socket.on("build", (build) => {
    if (matchesFilters(build, filters)) rows.upsert(build);
    else rows.remove(build.id); // it no longer belongs here (a state filter, most often)
    showEmpty();
    // A build leaving the queue moves the others up; a new one's news may not know its place.
    if (leftTheQueue(build) || (build.state === "queued" && build.queue_position === undefined)) {
      refreshQueued();
    }
  });
  window.setInterval(() => refreshTimes(table, Date.now(), "relative"), RELATIVE_EVERY_MS);
  window.setInterval(() => refreshTimes(table, Date.now(), "duration"), DURATION_EVERY_MS);
}
