// Loads a log by range from the log API: its tail when the page opens, then
// the blocks of lines the view shows as the reader scrolls or jumps. Only the
// blocks wanted last are fetched (a fling across a million lines asks for the
// place it stops at, not every place it passed), a few at a time, each once.
import { BLOCK_LINES } from "./log-model.js";

export const TAIL_LINES = 500; // lines fetched at open: a few screens
const PARALLEL = 3;
const RETRY_MS = 2000; // a block that failed to load is asked for again after this

export class RangeLoader {
  /**
   * model: a LogModel; fetchJson(url) -> Promise of the answer; onLoaded():
   * called when lines arrived. onError(error): a fetch failed (tried again
   * when the view next wants the lines).
   */
  constructor(buildId, model, { fetchJson, onLoaded, onError }) {
    this.url = "/api/builds/" + buildId + "/log";
    this.model = model;
    this.fetchJson = fetchJson;
    this.onLoaded = onLoaded;
    this.onError = onError || ((error) => console.warn(error));
    this.wanted = []; // block indexes, most wanted first
    this.inFlight = new Set();
    this.failedAt = new Map(); // block index -> when it last failed to load
  }

  /** Open the log: its total and last lines, and the block of `line` (a line link) too. */
  open(line) {
    const tail = this.fetchJson(this.url + "?tail=" + TAIL_LINES);
    const linked = line ? this.fetchBlockAnswer(Math.floor((line - 1) / BLOCK_LINES)).catch(() => null) : null;
    return Promise.all([tail, linked]).then(([answer, block]) => {
      this.model.open(answer.total, answer.first, answer.lines, answer.times, answer.style);
      if (block) this.model.fill(block.first, block.lines, block.times, block.style);
      return answer;
    });
  }

  /** Have these line numbers loaded: the blocks not held are fetched, others forgotten. */
  want(numbers) {
    const blocks = [];
    const now = Date.now();
    for (const number of numbers) {
      const index = Math.floor((number - 1) / BLOCK_LINES);
      if (blocks.includes(index) || this.model.complete(index)) continue;
      if (now - (this.failedAt.get(index) || -Infinity) >= RETRY_MS) blocks.push(index);
    }
    this.wanted = blocks;
    this.next();
  }

  next() {
    while (this.inFlight.size < PARALLEL && this.wanted.length) {
      const index = this.wanted.shift();
      if (this.inFlight.has(index) || this.model.complete(index)) continue;
      this.inFlight.add(index);
      this.loadBlock(index)
        .then(() => {
          this.failedAt.delete(index);
          this.onLoaded();
        })
        .catch((error) => {
          this.failedAt.set(index, Date.now());
          this.onError(error);
        })
        .finally(() => {
          this.inFlight.delete(index);
          this.next();
        });
    }
  }

  fetchBlockAnswer(index, after) {
    const from = after === undefined ? index * BLOCK_LINES : after;
    const limit = (index + 1) * BLOCK_LINES - from;
    return this.fetchJson(this.url + "?after=" + from + "&limit=" + limit);
  }

  // A block, in as many answers as its bytes need (each answer is capped in bytes).
  async loadBlock(index) {
    const end = Math.min((index + 1) * BLOCK_LINES, this.model.count);
    let after = index * BLOCK_LINES;
    while (after < end) {
      const answer = await this.fetchBlockAnswer(index, after);
      if (!answer.lines.length) throw new Error("no lines after " + after + " in the log");
      this.model.fill(answer.first, answer.lines, answer.times, answer.style);
      after = answer.first + answer.lines.length - 1;
    }
  }
}
