// One build as a row of the build list: the only place its markup is made,
// for the first page of builds, live updates and older pages alike.

/** The row's cells as data: [{text, href?, className?, time?, badge?}]. */
export function rowCells(build) {
  const params = Object.entries(build.params || {}).map(([name, value]) => name + "=" + value);
  return [
    { text: "#" + build.id, href: "/builds/" + build.id },
    { text: build.recipe },
    { text: params.join(" "), className: "params" },
    { text: build.state, badge: "badge state-" + build.state },
    { text: build.created_at, time: build.created_at },
  ];
}

function cellElement(document, cell) {
  const td = document.createElement("td");
  if (cell.className) td.className = cell.className;
  let content = td;
  if (cell.href || cell.badge || cell.time) {
    content = document.createElement(cell.href ? "a" : cell.badge ? "span" : "time");
    if (cell.href) content.href = cell.href;
    if (cell.badge) content.className = cell.badge;
    if (cell.time) content.dateTime = cell.time;
    td.appendChild(content);
  }
  content.textContent = cell.text; // log-derived text is only ever text
  return td;
}

/** The <tr> of a build, for `document`. */
export function buildRow(document, build) {
  const tr = document.createElement("tr");
  tr.dataset.buildId = build.id;
  tr.append(...rowCells(build).map((cell) => cellElement(document, cell)));
  return tr;
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
