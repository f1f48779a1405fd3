// The Problems panel: how many errors, warnings and notices the build has (the
// server's true totals), and the annotations themselves, each a button that
// takes the reader to its log line. A count is also a filter.
import { LEVELS } from "./annotation-set.js";
import { ShownList } from "./shown-list.js";

const NAMES = { error: ["error", "errors"], warning: ["warning", "warnings"], notice: ["notice", "notices"] };

/** "src/app.py:12:5", as much of it as is known, or "". */
export function placeOf(annotation) {
  if (!annotation.file) return "";
  let place = annotation.file;
  if (annotation.line_in_file != null) {
    place += ":" + annotation.line_in_file;
    if (annotation.col != null) place += ":" + annotation.col;
  }
  return place;
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

function fillProblem(li, annotation) {
  li.className = "problem level-" + annotation.level;
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.line = annotation.line;
  button.append(span("level", annotation.level));
  const body = span("problem-body", "");
  if (annotation.title) body.append(span("problem-title", annotation.title));
  body.append(span("problem-message", annotation.message || "(no message)"));
  const place = placeOf(annotation);
  if (place) body.append(span("problem-place", place));
  button.append(body, span("problem-line", "L" + annotation.line));
  li.replaceChildren(button);
}

export class ProblemsPanel {
  /** annotations: an AnnotationSet; onJump(line): take the reader to a log line. */
  constructor(document, annotations, onJump) {
    this.annotations = annotations;
    this.filter = null; // a level, or null for all
    this.countButtons = new Map();
    for (const level of LEVELS) {
      const button = document.getElementById("count-" + level);
      button.addEventListener("click", () => this.setFilter(this.filter === level ? null : level));
      this.countButtons.set(level, button);
    }
    this.empty = document.getElementById("problems-empty");
    this.section = document.getElementById("problems");
    const list = document.getElementById("problem-list");
    this.list = new ShownList(list, document.getElementById("problems-more"), fillProblem);
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-line]");
      if (button) onJump(Number(button.dataset.line));
    });
    this.update();
  }

  setFilter(level) {
    this.filter = level;
    for (const [name, button] of this.countButtons) button.setAttribute("aria-pressed", String(name === level));
    this.list.reset();
    this.update();
  }

  /** Show the latest counts and list. */
  update() {
    const counts = this.annotations.counts;
    for (const [level, button] of this.countButtons) {
      const count = counts[level];
      button.textContent = count.toLocaleString() + " " + NAMES[level][count === 1 ? 0 : 1];
      button.dataset.count = count;
    }
    const all = this.annotations.list;
    this.list.show(this.filter ? all.filter((a) => a.level === this.filter) : all, []);
    const total = counts.error + counts.warning + counts.notice;
    this.empty.hidden = total > 0;
    this.section.dataset.errors = counts.error;
    this.section.dataset.total = total;
  }
}
