// The steps the worker found in a log (GitHub groups, GitLab sections,
// Buildkite headers), keyed by their header line: a later record of the same
// step replaces the earlier one but keeps whether the reader opened it. Steps
// nest; a closed step hides its lines after the header, an open one only its
// end marker (::endgroup::, section_end).

function record(step) {
  return {
    title: String(step.title ?? ""),
    line: step.line,
    end_line: Number.isInteger(step.end_line) ? step.end_line : null,
    depth: Number.isInteger(step.depth) ? step.depth : 0,
    started_at: step.started_at || null,
    finished_at: step.finished_at || null,
    errors: Number(step.errors) || 0,
    collapsed: step.collapsed !== false,
    end_marker: Boolean(step.end_marker),
  };
}

export class StepSet {
  constructor() {
    this.list = []; // in order of line
    this.byLine = new Map();
  }

  get size() {
    return this.list.length;
  }

  /** The last line a step holds: its end line, or the last line so far while it is open. */
  endOf(step, count) {
    return step.end_line === null ? count : step.end_line;
  }

  /** Does `step` hold line `number` below its header? */
  holds(step, number, count) {
    return number > step.line && number <= this.endOf(step, count);
  }

  /**
   * Add or replace steps. A new step shows as its record says (`collapsed`),
   * unless it holds line `pinned` (a linked or jumped-to line): then it opens.
   * Returns the steps that are new or changed.
   */
  merge(records, count, pinned) {
    const changed = [];
    let ordered = true;
    for (const raw of records || []) {
      if (!raw || !Number.isInteger(raw.line) || raw.line < 1) continue;
      const known = this.byLine.get(raw.line);
      const step = record(raw);
      if (known) {
        Object.assign(known, step);
        changed.push(known);
        continue;
      }
      step.open = !step.collapsed || (pinned !== null && pinned !== undefined && this.holds(step, pinned, count));
      const last = this.list[this.list.length - 1];
      if (last && step.line < last.line) ordered = false;
      this.list.push(step);
      this.byLine.set(step.line, step);
      changed.push(step);
    }
    if (!ordered) this.list.sort((a, b) => a.line - b.line);
    return changed;
  }

  /** Every step holding line `number` below its header, outermost first. */
  holding(number, count) {
    const found = [];
    for (const step of this.list) {
      if (step.line >= number) break;
      if (this.holds(step, number, count)) found.push(step);
    }
    return found;
  }

  /** The innermost step whose header or body is line `number`, or null. */
  containing(number, count) {
    const own = this.byLine.get(number);
    if (own) return own;
    const holding = this.holding(number, count);
    return holding.length ? holding[holding.length - 1] : null;
  }

  /** Line ranges [first, last] hidden by folds, in order and disjoint. */
  hiddenRanges(count) {
    const ranges = [];
    let hiddenUntil = 0; // a step inside a closed one changes nothing
    for (const step of this.list) {
      if (step.line <= hiddenUntil) continue;
      const end = Math.min(this.endOf(step, count), count);
      if (!step.open) {
        if (end > step.line) {
          ranges.push([step.line + 1, end]);
          hiddenUntil = end;
        }
      } else if (step.end_marker && step.end_line !== null && step.end_line > step.line && step.end_line <= count) {
        ranges.push([step.end_line, step.end_line]);
      }
    }
    ranges.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const range of ranges) {
      const last = merged[merged.length - 1];
      if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
      else merged.push(range.slice());
    }
    return merged;
  }
}

/** Milliseconds a step ran: to its finish, or to `now` (ms) while open; null without a start. */
export function stepDuration(step, now) {
  const start = step.started_at ? Date.parse(step.started_at) : NaN;
  if (Number.isNaN(start)) return null;
  const end = step.finished_at ? Date.parse(step.finished_at) : now;
  return Number.isNaN(end) ? null : Math.max(0, end - start);
}
