// Every annotation the page knows of a build, whether it came from the API or
// with live lines: in order of line, each once (the same level and message on
// the same line is the same annotation), counted per level, and searchable for
// the next or previous error from any line.

export const LEVELS = ["error", "warning", "notice"];

function keyOf(annotation) {
  return annotation.line + "\u0000" + annotation.level + "\u0000" + annotation.message;
}

function valid(annotation) {
  return Boolean(annotation) && Number.isInteger(annotation.line) && annotation.line >= 1 &&
    LEVELS.includes(annotation.level) && typeof annotation.message === "string";
}

function zeroCounts() {
  return { error: 0, warning: 0, notice: 0 };
}

export class AnnotationSet {
  constructor() {
    this.list = []; // in order of line; within a line, in order of arrival
    this.keys = new Set();
    this.byLine = new Map(); // line -> [annotation]
    this.held = zeroCounts(); // what this.list holds
    this.reported = zeroCounts(); // the server's latest totals
    this.errorLines = null; // sorted distinct lines holding errors, built on demand
  }

  /** Add annotations not held yet. Returns the ones that were new, in order of line. */
  merge(annotations) {
    const added = [];
    let ordered = true;
    for (const annotation of annotations || []) {
      if (!valid(annotation)) continue;
      const key = keyOf(annotation);
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      const last = this.list[this.list.length - 1];
      if (last && annotation.line < last.line) ordered = false;
      this.list.push(annotation);
      added.push(annotation);
      this.held[annotation.level] += 1;
      const here = this.byLine.get(annotation.line);
      if (here) here.push(annotation);
      else this.byLine.set(annotation.line, [annotation]);
    }
    if (!ordered) this.list.sort((a, b) => a.line - b.line); // stable: arrival order within a line
    if (added.length) this.errorLines = null;
    added.sort((a, b) => a.line - b.line);
    return added;
  }

  /** The server's totals per level (the API's `counts`, the build's `annotations`). */
  report(counts) {
    if (!counts) return;
    for (const level of LEVELS) {
      const count = Number(counts[level]);
      if (Number.isFinite(count) && count > this.reported[level]) this.reported[level] = count;
    }
  }

  /** The true totals: the server's, or what the page holds once it knows more. */
  get counts() {
    const counts = zeroCounts();
    for (const level of LEVELS) counts[level] = Math.max(this.held[level], this.reported[level]);
    return counts;
  }

  /** True when the server has told of annotations the page does not hold yet. */
  get missing() {
    return LEVELS.some((level) => this.reported[level] > this.held[level]);
  }

  on(line) {
    return this.byLine.get(line) || null;
  }

  lines() {
    if (this.errorLines === null) {
      const lines = [];
      for (const annotation of this.list) {
        if (annotation.level === "error" && lines[lines.length - 1] !== annotation.line) lines.push(annotation.line);
      }
      this.errorLines = lines;
    }
    return this.errorLines;
  }

  firstError() {
    const lines = this.lines();
    return lines.length ? lines[0] : null;
  }

  /** The error line after (+1) or before (-1) line `from`, wrapping around; null without errors. */
  nextError(from, direction) {
    const lines = this.lines();
    if (!lines.length) return null;
    if (from === null || from === undefined) return direction > 0 ? lines[0] : lines[lines.length - 1];
    // The first index whose line is greater than `from` (or at least `from` going back).
    let low = 0;
    let high = lines.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (direction > 0 ? lines[middle] <= from : lines[middle] < from) low = middle + 1;
      else high = middle;
    }
    if (direction > 0) return low < lines.length ? lines[low] : lines[0];
    return low > 0 ? lines[low - 1] : lines[lines.length - 1];
  }
}
