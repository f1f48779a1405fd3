// The build page's annotations and steps: fetched from the API on every
// (re)subscription and once the build is over, merged with what live lines
// bring, and shown in the Problems panel, the step list, the log's gutter and
// its folds. Also the keys that go from error to error.
import { AnnotationSet } from "./annotation-set.js";
import { MarksSync } from "./marks-sync.js";
import { ProblemsPanel } from "./problems-panel.js";
import { StepList } from "./step-list.js";

function fetchJson(url) {
  return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  });
}

function typing(target) {
  return Boolean(target.closest && target.closest("input, textarea, select, [contenteditable]"));
}

export class PageMarks {
  /** page: {root, model, view, jumpTo(line), now()}. */
  constructor(buildId, page) {
    this.page = page;
    this.annotations = new AnnotationSet();
    this.panel = new ProblemsPanel(document, this.annotations, page.jumpTo);
    this.stepList = new StepList(document, page.model.steps, page.now, page.jumpTo);
    this.sync = new MarksSync(buildId, fetchJson, {
      onAnnotations: (annotations, counts) => this.addAnnotations(annotations, counts),
      onSteps: (steps) => this.addSteps(steps),
    });
    this.frame = 0;
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  addAnnotations(annotations, counts) {
    this.annotations.report(counts);
    const added = this.annotations.merge(annotations);
    if (added.length) this.page.view.refresh(true);
    this.show();
  }

  addSteps(steps) {
    const changed = this.page.model.mergeSteps(steps);
    if (!changed.length) return;
    this.page.view.refresh(true);
    this.stepList.update(changed);
  }

  // Panels redraw at most once a frame, however fast annotations arrive.
  show() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.panel.update();
      this.page.root.dataset.annotations = this.annotations.list.length;
    });
  }

  /** A `lines` event: the annotations and steps found in its lines. */
  fromLines(message) {
    if (Array.isArray(message.annotations) && message.annotations.length) this.addAnnotations(message.annotations, null);
    if (Array.isArray(message.steps) && message.steps.length) this.addSteps(message.steps);
  }

  /** The build's status: its counts are the true totals; fetch what is missing once it ends. */
  fromStatus(build, finished) {
    this.annotations.report(build.annotations);
    this.show();
    if (finished || this.annotations.missing) return this.sync.sync();
    return null;
  }

  onKey(event) {
    if (event.key !== "e" && event.key !== "E") return;
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    event.preventDefault();
    const view = this.page.view;
    const from = view.highlight ? view.highlight[0] : view.lineAtTop();
    const start = from === null ? null : view.highlight ? from : from - 1;
    const line = this.annotations.nextError(start, event.shiftKey ? -1 : 1);
    if (line !== null) this.page.jumpTo(line);
  }
}
