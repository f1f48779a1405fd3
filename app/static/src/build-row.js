// One build as a row of the build list: the only place its markup is made,
// for the first page of builds, live updates and older pages alike. On a
// phone the same row shows as a card (home.css), each cell named by its label.

import { durationWords, outcomeWords } from "./outcome-words.js";
import { exactLocalTime, relativeTime, runTime, waitTime } from "./time-words.js";

/** What the build's state cell says beside its badge: how it ended, or its place in line. */
export function stateNote(build) {
  if (build.state === "queued") {
    return typeof build.queue_position === "number" ? "#" + build.queue_position + " in queue" : "";
  }
  return outcomeWords(build) || "";
}

/** What the duration cell's note says: the wait before it started, once it has. */
export function waitNote(build) {
  const waited = waitTime(build);
  return waited === null ? "" : "waited " + waited;
}

/**
 * The row's cells as data: [{label, text, href?, className?, badge?, time?,
 * title?, note?, running?}]; `now` is the moment the relative words are for.
 */
export function rowCells(build, now = Date.now()) {
  const params = Object.entries(build.params || {}).map(([name, value]) => name + "=" + value);
  const running = build.state === "running" && Boolean(build.started_at);
  return [
    { label: "Build", text: "#" + build.id, href: "/builds/" + build.id },
    { label: "Recipe", text: build.recipe, href: "/recipes/" + encodeURIComponent(build.recipe) },
    { label: "Parameters", text: params.join(" "), className: "params" },
    { label: "State", text: build.state, badge: "badge state-" + build.state,
      note: stateNote(build), noteClass: "outcome" },
    { label: "Created", text: relativeTime(build.created_at, now), time: build.created_at,
      title: exactLocalTime(build.created_at),
      note: build.started_by ? "by " + build.started_by : "", noteClass: "started-by" },
    { label: "Duration", text: runTime(build, now) || "—", className: "duration",
      running: running ? build.started_at : null, note: waitNote(build), noteClass: "wait" },
  ];
}

function cellContent(document, cell) {
  const tag = cell.href ? "a" : cell.badge ? "span" : cell.time ? "time" : "span";
  const content = document.createElement(tag);
  if (cell.href) content.href = cell.href;
  if (cell.badge) content.className = cell.badge;
  if (cell.time) {
    content.dateTime = cell.time;
    content.dataset.relative = "";
  }
  if (cell.title) content.title = cell.title;
  if (cell.running) content.dataset.runningSince = cell.running;
  content.textContent = cell.text; // parameter values are only ever text
  return content;
}

function cellElement(document, cell) {
  const td = document.createElement("td");
  td.dataset.label = cell.label;
  if (cell.className) td.className = cell.className;
  td.appendChild(cellContent(document, cell));
  if (cell.note) {
    const note = document.createElement("small");
    note.className = cell.noteClass || "";
    note.textContent = cell.note;
    td.appendChild(note);
  }
  return td;
}

// A Rebuild button: the same form the build page posts, with the page's CSRF token.
function rebuildCell(document, build, csrfToken) {
  const td = document.createElement("td");
  td.className = "row-actions";
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/builds/" + build.id + "/rebuild";
  const token = document.createElement("input");
  token.type = "hidden";
  token.name = "csrf_token";
  token.value = csrfToken || "";
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "rebuild";
  button.textContent = "Rebuild";
  button.title = "Start a new build of " + build.recipe + " with the same parameters";
  form.append(token, button);
  td.appendChild(form);
  return td;
}

/** The <tr> of a build, for `document`; `csrfToken` signs its Rebuild form. */
export function buildRow(document, build, csrfToken, now = Date.now()) {
  const tr = document.createElement("tr");
  tr.dataset.buildId = build.id;
  tr.dataset.state = build.state;
  tr.append(...rowCells(build, now).map((cell) => cellElement(document, cell)));
  tr.appendChild(rebuildCell(document, build, csrfToken));
  return tr;
}

/**
 * Bring what is under `root` up to `now`: "relative" times, running builds'
 * "duration"s, or both when `which` is left out.
 */
export function refreshTimes(root, now = Date.now(), which = "both") {
  if (which !== "duration") {
    for (const time of root.querySelectorAll("time[data-relative]")) {
      time.textContent = relativeTime(time.dateTime, now);
    }
  }
  if (which === "relative") return;
  for (const element of root.querySelectorAll("[data-running-since]")) {
    const since = Date.parse(element.dataset.runningSince);
    element.textContent = durationWords(Math.max(0, now - since));
  }
}

/**
 * Where a build's news goes in a list showing `shownIds` (newest first):
 * "replace" a row shown, "prepend" a newer build, or "skip" an older one that
 * is not on the page (it appears when older builds are loaded).
 */
export function placement(shownIds, buildId) {
  if (shownIds.includes(buildId)) return "replace";
  if (shownIds.length && buildId < shownIds[0]) return "skip";
  return "prepend";
}
