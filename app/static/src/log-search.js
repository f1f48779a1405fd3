// Find text in the WHOLE log, loaded or not, folded or not. The server searches
// every stored line (streamed, off its event loop) and says which lines match
// and how often; lines that arrive after its search began are searched here as
// they come. Where a matching line is shown, its matches are found again in its
// text to mark them. Plain text and case-insensitive unless asked otherwise.
import { plainText } from "./ansi.js";

export const MAX_MATCHES = 100000;

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A function from displayed text to its matches [{start, end}], or null for a bad pattern. */
export function matcherFor(query, { regex = false, matchCase = false } = {}) {
  let pattern;
  try {
    pattern = new RegExp(regex ? query : escapeRegExp(query), matchCase ? "g" : "gi");
  } catch {
    return null;
  }
  return function (text) {
    const found = [];
    pattern.lastIndex = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      if (match[0] === "") {
        pattern.lastIndex += 1;
        continue;
      }
      found.push({ start: match.index, end: match.index + match[0].length });
    }
    return found;
  };
}

/** Read a streamed answer of JSON lines, calling onRecord with each. */
export async function readRecords(response, onRecord) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let end;
    while ((end = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (line.trim()) onRecord(JSON.parse(line));
    }
  }
  if (pending.trim()) onRecord(JSON.parse(pending));
}

export class LogSearch {
  /**
   * model: a LogModel; onChange(jump, lines): the matches changed (`jump`: go to
   * the current one; `lines`: the lines that gained matches, or null when any
   * line's may have changed).
   */
  constructor(buildId, model, onChange) {
    this.url = "/api/builds/" + buildId + "/search";
    this.model = model;
    this.onChange = onChange;
    this.controller = null;
    this.clear();
  }

  clear() {
    if (this.controller) this.controller.abort();
    this.controller = null;
    this.query = "";
    this.options = { regex: false, matchCase: false };
    this.matcher = null;
    this.state = "idle"; // "searching", "done" or "error"
    this.message = "";
    this.stopped = null; // "limit" or "time" when the server stopped early
    this.rangeEnd = null; // the last line the server searches
    this.lines = []; // the line of each match, in order
    this.byLine = new Map(); // line -> [index of its first match, how many]
    this.index = -1;
    this.later = []; // lines that arrived while the server searched: {first, lines}
  }

  /** Search the whole log for `query` with options {regex, matchCase}. */
  setQuery(query, options) {
    this.clear();
    if (!query) {
      this.onChange(false, null);
      return;
    }
    this.query = query;
    this.options = { ...this.options, ...options };
    this.matcher = matcherFor(query, this.options);
    this.state = "searching";
    const controller = new AbortController();
    this.controller = controller;
    const params = new URLSearchParams({ q: query });
    if (this.options.regex) params.set("regex", "1");
    if (this.options.matchCase) params.set("case", "1");
    this.run(this.url + "?" + params, controller).catch((error) => {
      if (controller.signal.aborted) return;
      this.fail(error.message || String(error));
    });
    this.onChange(false, null);
  }

  async run(url, controller) {
    const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/x-ndjson" } });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      throw new Error(answer.error || "the search failed (HTTP " + response.status + ")");
    }
    await readRecords(response, (record) => {
      if (controller === this.controller) this.take(record);
    });
    if (controller === this.controller && this.state === "searching") this.fail("the search ended early");
  }

  fail(message) {
    this.state = "error";
    this.message = message;
    this.onChange(false, null);
  }

  take(record) {
    if (Array.isArray(record.range)) this.rangeEnd = record.range[1];
    const gained = [];
    if (Array.isArray(record.matches)) {
      for (const [line, count] of record.matches) if (this.add(line, count)) gained.push(line);
    }
    if (record.done) {
      this.state = "done";
      this.stopped = record.stopped || null;
      const later = this.later;
      this.later = [];
      for (const batch of later) for (const line of this.scanLive(batch.first, batch.lines)) gained.push(line);
    }
    const jump = this.index === -1 && this.lines.length > 0;
    if (jump) this.index = 0;
    this.onChange(jump, gained);
  }

  /** Count `count` matches on `line`; false when it adds none. */
  add(line, count) {
    if (this.full || !(count > 0) || this.byLine.has(line)) return false;
    const take = Math.min(count, MAX_MATCHES - this.lines.length);
    this.byLine.set(line, [this.lines.length, take]);
    for (let i = 0; i < take; i++) this.lines.push(line);
    return true;
  }

  /** Lines that arrived live: searched here once the server's search is over. */
  addLive(first, lines) {
    if (!this.query || this.state === "error") return;
    if (this.state !== "done") {
      this.later.push({ first, lines });
      return;
    }
    const gained = this.scanLive(first, lines);
    if (gained.length) {
      const jump = this.index === -1;
      if (jump) this.index = 0;
      this.onChange(jump, gained);
    }
  }

  /** Search lines first.. here; returns those that gained matches. */
  scanLive(first, lines) {
    const gained = [];
    if (!this.matcher) return gained;
    for (let i = 0; i < lines.length; i++) {
      const number = first + i;
      if (this.rangeEnd !== null && number <= this.rangeEnd) continue;
      if (this.add(number, this.matcher(plainText(lines[i])).length)) gained.push(number);
    }
    return gained;
  }

  get full() {
    return this.lines.length >= MAX_MATCHES;
  }

  /** The current match as {line}, or null. */
  get current() {
    return this.index >= 0 ? { line: this.lines[this.index] } : null;
  }

  /** Step to the next (+1) or previous (-1) match, wrapping around. */
  step(direction) {
    const count = this.lines.length;
    if (!count) return null;
    this.index = (this.index + direction + count) % count;
    return this.current;
  }

  /** "3 of 41", "searching…", or "" without a query. */
  summary() {
    if (!this.query) return "";
    if (this.state === "error") return this.message;
    const count = this.lines.length;
    const searching = this.state === "searching";
    if (!count) return searching ? "searching…" : "no matches";
    let text = this.index + 1 + " of " + count.toLocaleString("en");
    if (searching) text += "…";
    else if (this.stopped === "limit" || this.full) text += "+";
    else if (this.stopped === "time") text += " (stopped at the time limit)";
    return text;
  }

  /** Matches on one loaded line as {start, end, current}, offsets moved left by `shift`. */
  marksOn(number, shift) {
    const entry = this.byLine.get(number);
    const raw = entry && this.matcher ? this.model.line(number) : undefined;
    if (raw === undefined) return null;
    const [first, count] = entry;
    return this.matcher(plainText(raw)).slice(0, count).map((match, i) => ({
      start: match.start - shift,
      end: match.end - shift,
      current: first + i === this.index,
    }));
  }
}
