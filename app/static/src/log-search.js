// Find text in the WHOLE log, rendered or not, folded or not: matches are found
// in the model's lines, never in the DOM. Case-insensitive, like a browser's find.
import { plainText } from "./ansi.js";

export const MAX_MATCHES = 100000;

export class LogSearch {
  constructor(model) {
    this.model = model;
    this.folded = []; // lower-cased plain text per line, filled on first search
    this.query = "";
    this.matches = []; // {line, start, end}
    this.byLine = new Map(); // line number -> indexes into matches
    this.scanned = 0;
    this.index = -1;
  }

  searchableText(number) {
    let text = this.folded[number - 1];
    if (text === undefined) {
      text = plainText(this.model.lines[number - 1]).toLowerCase();
      this.folded[number - 1] = text;
    }
    return text;
  }

  setQuery(query) {
    this.query = query.toLowerCase();
    this.matches = [];
    this.byLine = new Map();
    this.scanned = 0;
    this.index = -1;
    this.scan();
    if (this.matches.length) this.index = 0;
  }

  /** Look through lines that arrived since the last scan. */
  scan() {
    const query = this.query;
    const total = this.model.count;
    if (!query) {
      this.scanned = total;
      return;
    }
    for (let number = this.scanned + 1; number <= total && !this.full; number++) {
      const text = this.searchableText(number);
      let at = text.indexOf(query);
      while (at !== -1 && !this.full) {
        const indexes = this.byLine.get(number);
        if (indexes) indexes.push(this.matches.length);
        else this.byLine.set(number, [this.matches.length]);
        this.matches.push({ line: number, start: at, end: at + query.length });
        at = text.indexOf(query, at + query.length);
      }
    }
    this.scanned = total;
    if (this.index === -1 && this.matches.length) this.index = 0;
  }

  get full() {
    return this.matches.length >= MAX_MATCHES;
  }

  get current() {
    return this.index >= 0 ? this.matches[this.index] : null;
  }

  /** Step to the next (+1) or previous (-1) match, wrapping around. */
  step(direction) {
    const count = this.matches.length;
    if (!count) return null;
    this.index = (this.index + direction + count) % count;
    return this.current;
  }

  /** "3 of 41", or "" without a query. */
  summary() {
    if (!this.query) return "";
    const count = this.matches.length;
    if (!count) return "no matches";
    return this.index + 1 + " of " + count + (this.full ? "+" : "");
  }

  /** Matches on one line as {start, end, current}, offsets moved left by `shift`. */
  marksOn(number, shift) {
    const indexes = this.byLine.get(number);
    if (!indexes) return null;
    return indexes.map((index) => {
      const match = this.matches[index];
      return { start: match.start - shift, end: match.end - shift, current: index === this.index };
    });
  }
}
