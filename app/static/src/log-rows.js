// One row of the log as DOM: a line (or its place while it loads), a step's
// header, the pending progress of a line still being drawn, or the build's
// closing status. Log text is always
// set as text (styled spans and text nodes), never parsed as markup.
import { plainText, styledPieces } from "./ansi.js";
import { durationWords } from "./outcome-words.js";
import { stepDuration } from "./steps.js";

const LEVEL_ORDER = ["error", "warning", "notice"];

function pad(number, width) {
  return String(number).padStart(width, "0");
}

export function formatElapsed(ms) {
  const tenths = Math.floor(Math.max(0, ms) / 100);
  const seconds = Math.floor(tenths / 10);
  const clock = pad(Math.floor(seconds / 60) % 60, 2) + ":" + pad(seconds % 60, 2) + "." + (tenths % 10);
  return seconds >= 3600 ? Math.floor(seconds / 3600) + ":" + clock : clock;
}

function formatClock(ms) {
  const time = new Date(ms);
  return pad(time.getHours(), 2) + ":" + pad(time.getMinutes(), 2) + ":" + pad(time.getSeconds(), 2);
}

// Text with search matches wrapped in <mark>; always text nodes, never markup.
function appendMarkedText(parent, text, offset, marks) {
  let position = 0;
  while (position < text.length) {
    const absolute = offset + position;
    while (marks.length && marks[0].end <= absolute) marks.shift();
    const mark = marks[0];
    if (mark && mark.start <= absolute) {
      const end = Math.min(text.length, mark.end - offset);
      const element = document.createElement("mark");
      if (mark.current) element.className = "current";
      element.textContent = text.slice(position, end);
      parent.appendChild(element);
      position = end;
    } else {
      const end = mark ? Math.min(text.length, mark.start - offset) : text.length;
      parent.appendChild(document.createTextNode(text.slice(position, end)));
      position = end;
    }
  }
}

/** `raw` as styled text in `container`, starting in terminal style `style`, with `marks`. */
export function renderText(container, raw, marks, style) {
  let offset = 0;
  const pending = marks ? marks.slice() : [];
  for (const piece of styledPieces(raw, style)) {
    let target = container;
    if (piece.color || piece.background || piece.classes) {
      target = document.createElement("span");
      if (piece.classes) target.className = piece.classes;
      if (piece.color) target.style.color = "rgb(" + piece.color + ")";
      if (piece.background) target.style.backgroundColor = "rgb(" + piece.background + ")";
      container.appendChild(target);
    }
    appendMarkedText(target, piece.text, offset, pending);
    offset += piece.text.length;
  }
}

/** "12 lines · 1m 4s · 2 errors", and "…" while the step is still open. */
export function stepSummary(model, step, now) {
  const count = model.stepLineCount(step);
  let summary = count + (count === 1 ? " line" : " lines");
  const duration = stepDuration(step, now);
  if (duration !== null) summary += " · " + durationWords(duration);
  if (step.errors) summary += " · " + step.errors + (step.errors === 1 ? " error" : " errors");
  if (step.end_line === null) summary += " …";
  return summary;
}

// A mark in the gutter, coloured by the line's most serious annotation.
function gutterMark(annotations) {
  const level = LEVEL_ORDER.find((name) => annotations.some((a) => a.level === name));
  const mark = document.createElement("span");
  mark.className = "mark mark-" + level;
  const label = annotations.map((a) => a.level + ": " + (a.title ? a.title + ": " : "") + a.message).join("\n");
  mark.title = label;
  mark.setAttribute("role", "img");
  mark.setAttribute("aria-label", label);
  return { mark, level };
}

function timeCell(view, number) {
  const time = document.createElement("span");
  time.className = "ts";
  const printed = view.model.time(number);
  if (printed != null) {
    time.textContent = view.timestamps === "clock" ? formatClock(printed) : formatElapsed(printed - (view.timeOrigin || printed));
  }
  return time;
}

function headerCells(view, element, step, number) {
  element.classList.add("group-header");
  const fold = document.createElement("button");
  fold.type = "button";
  fold.className = "fold";
  fold.dataset.header = number;
  fold.setAttribute("aria-expanded", String(step.open));
  // Search looks through the raw line: move its matches to where the title starts in it.
  const raw = view.model.line(number);
  const at = raw === undefined ? -1 : plainText(raw).indexOf(step.title);
  renderText(fold, step.title, at === -1 ? null : view.hooks.marksOn(number, at));
  const meta = document.createElement("span");
  meta.className = "group-meta";
  meta.textContent = stepSummary(view.model, step, view.hooks.now ? view.hooks.now() : Date.now());
  if (step.errors) meta.classList.add("has-errors");
  element.append(fold, meta);
  element.step = step;
  element.groupMeta = meta;
}

/** The row of log line `number`, as `view` (a LogView) shows it now. */
export function lineRow(view, number, units) {
  const element = document.createElement("div");
  element.className = "line";
  element.id = "L" + number;
  const annotations = view.hooks.annotationsOn(number);
  if (annotations) {
    const { mark, level } = gutterMark(annotations);
    element.classList.add("annotated", "annotated-" + level);
    element.appendChild(mark);
  }
  const gutter = document.createElement("a");
  gutter.className = "ln";
  gutter.href = "#L" + number;
  gutter.tabIndex = -1;
  gutter.dataset.n = number;
  element.appendChild(gutter);
  if (view.timestamps !== "off") element.appendChild(timeCell(view, number));
  const highlight = view.highlight;
  if (highlight && number >= highlight[0] && number <= highlight[1]) element.classList.add("selected");
  const step = view.model.stepAt(number);
  if (step) {
    headerCells(view, element, step, number);
    return element;
  }
  if (units > 1) element.style.minHeight = units * view.rowHeight + "px";
  const text = document.createElement("span");
  text.className = "text";
  const raw = view.model.line(number);
  if (raw === undefined) {
    element.classList.add("pending");
    element.setAttribute("aria-busy", "true");
  } else {
    renderText(text, raw, view.hooks.marksOn(number, 0), view.model.styleAt(number));
  }
  element.appendChild(text);
  return element;
}

/** Line `number` as drawn so far (a progress bar): replaced once the line itself arrives. */
export function partialRow(number, raw) {
  const element = document.createElement("div");
  element.className = "log-partial";
  element.dataset.n = number;
  element.setAttribute("aria-hidden", "true");
  const gutter = document.createElement("span");
  gutter.className = "pending-n";
  gutter.textContent = number;
  const text = document.createElement("span");
  text.className = "text";
  renderText(text, raw, null);
  element.append(gutter, text);
  return element;
}

/** The closing status under the log: not a log line, so not linked, counted or searched. */
export function statusRow(status) {
  const element = document.createElement("div");
  element.className = "log-status state-" + status.state;
  element.id = "log-status";
  element.setAttribute("role", "note");
  element.textContent = status.text;
  return element;
}
