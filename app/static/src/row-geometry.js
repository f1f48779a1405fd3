// Where each row of the log sits, in units of one text row. Unwrapped, every
// row is one unit tall. Wrapped, a line takes as many units as it needs at the
// current width in columns: the font is monospaced, so that is its display
// width divided by the columns, known without laying it out. Prefix sums make
// "which row is at this height" a binary search, and new lines at the end only
// extend them.
import { plainText } from "./ansi.js";

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

/** Rows as tall as their wrapped text: `unitsOf(line)` says how many units a line takes. */
export class WrappedRows {
  constructor(unitsOf) {
    this.unitsOf = unitsOf;
    this.prefix = new Float64Array(1024); // prefix[row] = units above row
    this.rows = 0;
    this.version = null;
  }

  /** Catch up with the model: extend for new last rows, or start over when folds or width changed. */
  sync(model, version) {
    const rows = model.rows;
    if (version !== this.version || rows < this.rows) {
      this.version = version;
      this.rows = 0;
    }
    if (rows === this.rows) return;
    if (this.prefix.length < rows + 1) {
      const grown = new Float64Array(Math.max(rows + 1, this.prefix.length * 2));
      grown.set(this.prefix.subarray(0, this.rows + 1));
      this.prefix = grown;
    }
    const runs = model.visibleRuns();
    let row = this.rows;
    for (let index = model.runIndexAtRow(row); index < runs.length; index++) {
      const run = runs[index];
      for (let line = run.start + Math.max(0, row - run.row); line <= run.end; line++) {
        this.prefix[row + 1] = this.prefix[row] + this.unitsOf(line);
        row += 1;
      }
    }
    this.rows = row;
  }

  get total() {
    return this.prefix[this.rows];
  }

  /** Units above `row`; rows past the model's (the status row) are one unit each. */
  top(row) {
    return row <= this.rows ? this.prefix[row] : this.prefix[this.rows] + (row - this.rows);
  }

  /** The row that covers height `unit`. */
  rowAt(unit) {
    if (unit >= this.total) return this.rows + Math.floor(unit - this.total);
    let low = 0;
    let high = this.rows - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.prefix[middle] <= unit) low = middle;
      else high = middle - 1;
    }
    return Math.max(0, low);
  }

  units(row) {
    return row < this.rows ? this.prefix[row + 1] - this.prefix[row] : 1;
  }
}
