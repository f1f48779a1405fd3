// Where each row of the log sits, in units of one text row. Unwrapped, every
// row is one unit tall. Wrapped, a line takes as many units as it needs at the
// current width in columns: the font is monospaced, so that is its display
// width divided by the columns, known without laying it out; a line not loaded
// counts one until it is. Prefix sums over chunks of rows make "which row is
// at this height" two binary searches.
import { plainText } from "./ansi.js";
import { BLOCK_LINES } from "./log-model.js";

const TAB = 8;
const PLAIN = /^[\x20-\x7e]*$/;

function isWide(code) {
  // East Asian wide ranges and emoji: two columns in a monospaced font.
  return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
}

/** Columns a raw log line takes once displayed (tabs to the next stop, wide characters as two). */
export function displayWidth(raw) {
  if (PLAIN.test(raw)) return raw.length;
  const text = plainText(raw);
  let width = 0;
  for (const char of text) {
    if (char === "\t") width += TAB - (width % TAB);
    else width += isWide(char.codePointAt(0)) ? 2 : 1;
  }
  return width;
}

/** Every row one unit tall. */
export class UniformRows {
  constructor() {
    this.rows = 0;
  }

  sync(model) {
    this.rows = model.rows;
  }

  get total() {
    return this.rows;
  }

  top(row) {
    return row;
  }

  rowAt(unit) {
    return Math.floor(unit);
  }

  units() {
    return 1;
  }
}

const CHUNK = 512; // rows measured together

// The row range [first, last] that lines first..last show as (null when folds hide them all).
function rowsOfLines(model, first, last) {
  let low = null;
  let high = null;
  for (const run of model.visibleRuns()) {
    if (run.end < first || run.start > last) continue;
    const from = run.row + Math.max(first, run.start) - run.start;
    const to = run.row + Math.min(last, run.end) - run.start;
    if (low === null) low = from;
    high = to;
  }
  return low === null ? null : [low, high];
}

/**
 * Rows as tall as their wrapped text: `unitsOf(line)` says how many units a
 * line takes. Rows are measured in chunks: a chunk whose lines are not loaded
 * is one unit a row and costs nothing to know, so a log of millions of lines
 * measures only what it holds, and a block loaded or dropped re-measures only
 * its own chunks.
 */
export class WrappedRows {
  constructor(unitsOf) {
    this.unitsOf = unitsOf;
    this.rows = 0;
    this.version = null;
    this.chunkUnits = new Float64Array(16);
    this.chunkTop = new Float64Array(1); // units above each chunk; the last is the total
    this.inner = new Map(); // chunk -> units above each of its rows, where not one a row
    this.held = new Map(); // block index -> lines it held when last measured
  }

  /** Catch up with the model: new rows, blocks loaded or dropped; everything when folds or width changed. */
  sync(model, version) {
    const rows = model.rows;
    const restart = version !== this.version || rows < this.rows;
    if (restart) {
      this.version = version;
      this.inner.clear();
      this.held.clear();
    }
    const chunks = Math.ceil(rows / CHUNK);
    if (this.chunkUnits.length < chunks) {
      const grown = new Float64Array(Math.max(chunks, this.chunkUnits.length * 2));
      grown.set(this.chunkUnits);
      this.chunkUnits = grown;
    }
    const dirty = new Set();
    for (let chunk = restart ? 0 : Math.floor(this.rows / CHUNK); chunk < chunks; chunk++) dirty.add(chunk);
    this.rows = rows;
    for (const chunk of this.changedChunks(model)) if (chunk < chunks) dirty.add(chunk);
    if (!dirty.size) return;
    for (const chunk of dirty) this.measure(model, chunk);
    this.chunkTop = new Float64Array(chunks + 1);
    for (let chunk = 0; chunk < chunks; chunk++) this.chunkTop[chunk + 1] = this.chunkTop[chunk] + this.chunkUnits[chunk];
  }

  // Chunks holding lines of blocks loaded, filled or dropped since the last look.
  changedChunks(model) {
    const changed = new Set(this.held.keys());
    for (const [index, block] of model.blocks) {
      if (this.held.get(index) === block.held) changed.delete(index);
      else changed.add(index);
    }
    this.held = new Map([...model.blocks].map(([index, block]) => [index, block.held]));
    const chunks = [];
    for (const index of changed) {
      const first = index * BLOCK_LINES + 1;
      const span = rowsOfLines(model, first, first + BLOCK_LINES - 1);
      if (!span) continue;
      for (let chunk = Math.floor(span[0] / CHUNK); chunk <= Math.floor(span[1] / CHUNK); chunk++) chunks.push(chunk);
    }
    return chunks;
  }

  measure(model, chunk) {
    const first = chunk * CHUNK;
    const size = Math.min(CHUNK, this.rows - first);
    if (!this.holdsLines(model, first, size)) {
      this.inner.delete(chunk);
      this.chunkUnits[chunk] = size;
      return;
    }
    const tops = new Float64Array(size + 1);
    let uniform = true;
    for (let i = 0; i < size; i++) {
      const units = this.unitsOf(model.lineAtRow(first + i));
      if (units !== 1) uniform = false;
      tops[i + 1] = tops[i] + units;
    }
    if (uniform) this.inner.delete(chunk);
    else this.inner.set(chunk, tops);
    this.chunkUnits[chunk] = tops[size];
  }

  // Does any held block hold a line shown in rows first..first+size-1?
  holdsLines(model, first, size) {
    const low = model.lineAtRow(first);
    const high = model.lineAtRow(first + size - 1);
    for (const index of model.blocks.keys()) {
      if (index * BLOCK_LINES + 1 <= high && (index + 1) * BLOCK_LINES >= low) return true;
    }
    return false;
  }

  get total() {
    return this.chunkTop[this.chunkTop.length - 1];
  }

  /** Units above `row`; rows past the model's (the status row) are one unit each. */
  top(row) {
    if (row >= this.rows) return this.total + (row - this.rows);
    const chunk = Math.floor(row / CHUNK);
    const inner = this.inner.get(chunk);
    return this.chunkTop[chunk] + (inner ? inner[row - chunk * CHUNK] : row - chunk * CHUNK);
  }

  /** The row that covers height `unit`. */
  rowAt(unit) {
    if (unit >= this.total) return this.rows + Math.floor(unit - this.total);
    const chunk = Math.max(0, lastAtOrBelow(this.chunkTop, this.chunkTop.length - 2, unit));
    const within = unit - this.chunkTop[chunk];
    const size = Math.min(CHUNK, this.rows - chunk * CHUNK);
    const inner = this.inner.get(chunk);
    const row = inner ? lastAtOrBelow(inner, size - 1, within) : Math.floor(within);
    return chunk * CHUNK + Math.max(0, Math.min(size - 1, row));
  }

  units(row) {
    return row < this.rows ? this.top(row + 1) - this.top(row) : 1;
  }
}

// The largest index in 0..high whose value is at most `value` (values ascending).
function lastAtOrBelow(values, high, value) {
  let low = 0;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (values[middle] <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}
