// Everything the page knows about a log: every line and its print time, the
// steps the server found in it (folds), and which lines are visible as rows
// once closed folds hide their bodies. Lines are numbered from 1, as on the
// server.
import { StepSet } from "./steps.js";

export class LogModel {
  constructor() {
    this.lines = [];
    this.times = [];
    this.steps = new StepSet();
    this.pinned = null; // a line the reader was taken to: folds that hold it open
    this.runs = null; // visible line ranges, rebuilt on demand
    this.foldVersion = 0; // changes whenever rows other than new last ones change
  }

  get count() {
    return this.lines.length;
  }

  /** Add lines first, first+1, ...; lines already held are skipped. Returns how many were new. */
  append(first, lines, times) {
    const skip = this.count + 1 - first;
    if (skip < 0) throw new Error("lines " + (this.count + 1) + ".." + (first - 1) + " are missing");
    for (let i = Math.max(0, skip); i < lines.length; i++) {
      this.lines.push(lines[i]);
      this.times.push(times ? times[i] : null);
    }
    this.runs = null;
    return Math.max(0, lines.length - Math.max(0, skip));
  }

  /** Take step records from the server; returns the steps that are new or changed. */
  mergeSteps(records) {
    const changed = this.steps.merge(records, this.count, this.pinned);
    if (changed.length) this.foldsChanged();
    return changed;
  }

  foldsChanged() {
    this.runs = null;
    this.foldVersion += 1;
  }

  /** The step whose header is line `number`, or undefined. */
  stepAt(number) {
    return this.steps.byLine.get(number);
  }

  /** Lines in a step below its header, its end marker not counted. */
  stepLineCount(step) {
    const end = this.steps.endOf(step, this.count);
    return Math.max(0, end - step.line - (step.end_marker && step.end_line !== null ? 1 : 0));
  }

  setOpen(step, open) {
    if (step.open === open) return;
    step.open = open;
    this.foldsChanged();
  }

  /** Open every fold that hides `number`, now and as steps arrive. True when something changed. */
  reveal(number) {
    this.pinned = number;
    let changed = false;
    for (const step of this.steps.holding(number, this.count)) {
      if (!step.open) {
        step.open = true;
        changed = true;
      }
    }
    if (changed) this.foldsChanged();
    return changed;
  }

  // Visible lines as runs {start, end, row}: `row` is the row index of `start`.
  visibleRuns() {
    if (this.runs) return this.runs;
    const runs = [];
    let next = 1;
    let row = 0;
    const addRun = (end) => {
      if (end >= next) {
        runs.push({ start: next, end, row });
        row += end - next + 1;
      }
    };
    for (const [first, last] of this.steps.hiddenRanges(this.count)) {
      addRun(first - 1);
      next = last + 1;
    }
    addRun(this.count);
    this.runs = runs;
    this.rowCount = row;
    return runs;
  }

  get rows() {
    this.visibleRuns();
    return this.rowCount;
  }

  /** The index into visibleRuns() of the run holding row `row` (the last run past the end). */
  runIndexAtRow(row) {
    const runs = this.visibleRuns();
    let low = 0;
    let high = runs.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (runs[middle].row <= row) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** The line number shown at row index `row`. */
  lineAtRow(row) {
    const run = this.visibleRuns()[this.runIndexAtRow(row)];
    return run ? run.start + (row - run.row) : null;
  }

  /** The row index of line `number`, or null while a fold hides it. */
  rowOfLine(number) {
    const runs = this.visibleRuns();
    let low = 0;
    let high = runs.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const run = runs[middle];
      if (number < run.start) high = middle - 1;
      else if (number > run.end) low = middle + 1;
      else return run.row + (number - run.start);
    }
    return null;
  }
}
