// The comparison page: fetches /api/builds/<id>/diff and shows its hunks, each
// line with its number in both logs (links into each build's page). Log text is
// only ever set as text, its colours through the CSSOM.
import { styledPieces } from "./ansi.js";

const SIGNS = { "=": " ", "-": "−", "+": "+" };
const ROW_CLASSES = { "=": "same", "-": "removed", "+": "added" };

function lineLink(buildId, number) {
  const cell = document.createElement(number === null ? "span" : "a");
  cell.className = "ln";
  if (number !== null) {
    cell.href = "/builds/" + buildId + "#L" + number;
    cell.textContent = String(number);
  }
  return cell;
}

function renderText(container, raw) {
  for (const piece of styledPieces(raw)) {
    if (!piece.color && !piece.background && !piece.classes) {
      container.appendChild(document.createTextNode(piece.text));
      continue;
    }
    const span = document.createElement("span");
    if (piece.classes) span.className = piece.classes;
    if (piece.color) span.style.color = "rgb(" + piece.color + ")";
    if (piece.background) span.style.backgroundColor = "rgb(" + piece.background + ")";
    span.textContent = piece.text;
    container.appendChild(span);
  }
}

function lineRow(line, ids) {
  const row = document.createElement("div");
  row.className = "diff-line " + ROW_CLASSES[line.op];
  row.appendChild(lineLink(ids.against, line.a));
  row.appendChild(lineLink(ids.build, line.b));
  const sign = document.createElement("span");
  sign.className = "sign";
  sign.textContent = SIGNS[line.op];
  row.appendChild(sign);
  const text = document.createElement("span");
  text.className = "text";
  renderText(text, line.text);
  row.appendChild(text);
  return row;
}

function range(first, count) {
  return count === 1 ? String(first) : first + "," + count;
}

function hunkSection(hunk, index, ids) {
  const section = document.createElement("section");
  section.className = "hunk";
  section.id = "hunk-" + (index + 1);
  const header = document.createElement("div");
  header.className = "hunk-header";
  header.textContent = "@@ −" + range(hunk.a_first, hunk.a_count) + " +" +
    range(hunk.b_first, hunk.b_count) + " @@";
  section.appendChild(header);
  for (const line of hunk.lines) section.appendChild(lineRow(line, ids));
  if (hunk.truncated) {
    const more = document.createElement("div");
    more.className = "hunk-more";
    more.textContent = "… this difference goes on: the rest is left out";
    section.appendChild(more);
  }
  return section;
}

/** "identical", or "3 differences" (and what the answer left out). */
export function summary(answer) {
  if (answer.identical) return "The logs are identical (once volatile text is ignored).";
  const total = answer.hunks_total;
  return total + (total === 1 ? " difference" : " differences") + " between " +
    answer.log_lines.a + " and " + answer.log_lines.b + " lines.";
}

function truncationNote(answer) {
  if (!answer.truncated) return "";
  return "Only the first " + answer.hunks.length + " of " + answer.hunks_total +
    " differences are shown: the answer is kept to a readable size.";
}

function markFirstDifference(container) {
  const first = container.querySelector(".diff-line.removed, .diff-line.added");
  if (first) first.id = "first-difference";
  return first;
}

function show(answer, ids) {
  const container = document.getElementById("hunks");
  const fragment = document.createDocumentFragment();
  answer.hunks.forEach((hunk, index) => fragment.appendChild(hunkSection(hunk, index, ids)));
  container.replaceChildren(fragment);
  document.getElementById("diff-summary").textContent = summary(answer);
  const note = document.getElementById("diff-note");
  note.textContent = truncationNote(answer);
  note.hidden = !answer.truncated;
  const first = markFirstDifference(container);
  const jump = document.getElementById("jump-first");
  jump.hidden = !first;
  jump.addEventListener("click", () => {
    first.scrollIntoView({ block: "center" });
    first.classList.add("target");
    first.querySelector("a.ln")?.focus({ preventScroll: true });
  });
  document.getElementById("diff").dataset.loaded = "true";
}

async function load() {
  const root = document.getElementById("diff");
  const ids = { build: root.dataset.build, against: root.dataset.against };
  const context = new URLSearchParams(location.search).get("context");
  const query = "?against=" + encodeURIComponent(ids.against) +
    (context === null ? "" : "&context=" + encodeURIComponent(context));
  const status = document.getElementById("diff-summary");
  try {
    const response = await fetch("/api/builds/" + ids.build + "/diff" + query,
      { headers: { Accept: "application/json" } });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || "the comparison failed");
    show(answer, ids);
  } catch (error) {
    status.textContent = "Could not compare the logs: " + error.message;
    status.classList.add("failed");
  }
}

if (typeof document !== "undefined") {
  document.addEventListener("DOMContentLoaded", load);
}
