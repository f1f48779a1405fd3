// Everything the page knows about a log: how many lines it has, the lines it
// holds (in blocks of 1,000, loaded as they come into view and dropped when
// far from it, so a log of millions of lines costs what a screenful does),
// the steps the server found in it (folds), and which lines are visible as
// rows once closed folds hide their bodies. Lines are numbered from 1, as on
// the server.
//
// `count` grows only with lines that arrive in order (the live subscription,
// or the log's tail at open): the page's subscription asks for what comes
// after it. Lines loaded by range fill in what is already counted.
import { StepSet } from "./steps.js";

export const BLOCK_LINES = 1000;
export const MAX_BLOCKS = 48; // blocks held at most: about 48,000 lines

const DEFAULT_STYLE = "";

class Block {
  constructor(index) {
    this.index = index;
    this.first = index * BLOCK_LINES + 1;
    this.lines = new Array(BLOCK_LINES);
    this.times = new Array(BLOCK_LINES);
    this.styles = new Array(BLOCK_LINES); // the terminal style each line starts in
    this.held = 0;
  }

  set(number, text, time, style) {
    const at = number - this.first;
    if (this.lines[at] === undefined) this.held += 1;
    this.lines[at] = text;
    this.times[at] = time;
    this.styles[at] = style;
  }
}

export class LogModel {
  /** styleAfter(style, raw): the terminal style after a line that starts in `style`. */
  constructor(styleAfter = (style) => style) {
    this.styleAfter = styleAfter;
    this.total = 0;
    this.tailStyle = DEFAULT_STYLE; // the style after line `count`
    this.blocks = new Map(); // block index -> Block
    this.steps = new StepSet();
    this.pinned = null; // a line the reader was taken to: folds that hold it open
    this.runs = null; // visible line ranges, rebuilt on demand
    this.foldVersion = 0; // changes whenever rows other than new last ones change
  }

  get count() {
    return this.total;
  }

  /** The text of line `number`, or undefined while it is not loaded. */
  line(number) {
    const block = this.blocks.get(Math.floor((number - 1) / BLOCK_LINES));
    return block ? block.lines[number - block.first] : undefined;
  }

  /** When line `number` was printed (ms), or null when not known here. */
  time(number) {
    const block = this.blocks.get(Math.floor((number - 1) / BLOCK_LINES));
    const time = block ? block.times[number - block.first] : undefined;
    return time === undefined ? null : time;
  }

  /** The terminal style line `number` starts in ("" by default). */
  styleAt(number) {
    const block = this.blocks.get(Math.floor((number - 1) / BLOCK_LINES));
    return (block && block.styles[number - block.first]) || DEFAULT_STYLE;
  }

  has(number) {
    return this.line(number) !== undefined;
  }

  blockOf(number, create) {
    const index = Math.floor((number - 1) / BLOCK_LINES);
    let block = this.blocks.get(index);
    if (!block && create) {
      block = new Block(index);
      this.blocks.set(index, block);
    }
    return block;
  }

  // Store lines first.. (those up to `last` only), each in the style the one
  // before it left; returns the style after the last one stored.
  store(first, lines, times, style, last) {
    let current = style;
    for (let i = 0; i < lines.length && first + i <= last; i++) {
      const number = first + i;
      const text = lines[i];
      this.blockOf(number, true).set(number, text, times ? times[i] : null, current);
      if (text.indexOf("\x1b") !== -1) current = this.styleAfter(current, text);
    }
    return current;
  }

  /** The log as it opens: `total` lines so far, the last of them `lines` from `first`, in `style`. */
  open(total, first, lines, times, style) {
    this.total = total;
    const after = this.store(first, lines, times, style || DEFAULT_STYLE, total);
    if (first + lines.length - 1 >= total) this.tailStyle = after;
    this.runs = null;
  }

  /** Add lines first, first+1, ... in order; lines counted already are skipped. Returns how many were new. */
  append(first, lines, times) {
    const skip = this.total + 1 - first;
    if (skip < 0) throw new Error("lines " + (this.total + 1) + ".." + (first - 1) + " are missing");
    if (skip >= lines.length) return 0;
    const fresh = skip > 0 ? lines.slice(skip) : lines;
    const freshTimes = times && skip > 0 ? times.slice(skip) : times;
    this.tailStyle = this.store(this.total + 1, fresh, freshTimes, this.tailStyle, Infinity);
    this.total += fresh.length;
    this.runs = null;
    return fresh.length;
  }

  /** Lines first.. of a range read from the server, starting in `style`; lines past `count` wait for the stream. */
  fill(first, lines, times, style) {
    this.store(first, lines, times, style || DEFAULT_STYLE, this.total);
  }

  /** Is every counted line of block `index` held? */
  complete(index) {
    const block = this.blocks.get(index);
    const size = Math.min(BLOCK_LINES, this.total - index * BLOCK_LINES);
    return Boolean(block) && block.held >= size;
  }

  /** Held lines from `number` on, within its block: [lines], possibly empty. */
  heldRun(number) {
    const block = this.blocks.get(Math.floor((number - 1) / BLOCK_LINES));
    const run = [];
    if (!block) return run;
    for (let at = number - block.first; at < BLOCK_LINES && block.lines[at] !== undefined; at++) {
      run.push(block.lines[at]);
    }
    return run;
  }

  /** Drop the blocks farthest from line `near` until at most `keep` are held. */
  evict(near, keep = MAX_BLOCKS) {
    if (this.blocks.size <= keep) return;
    const centre = Math.floor((near - 1) / BLOCK_LINES);
    const byDistance = [...this.blocks.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const index of byDistance.slice(0, this.blocks.size - keep)) this.blocks.delete(index);
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
