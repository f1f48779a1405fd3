// Everything the page knows about a log: every line and its print time, the
// ::group:: folds found in it, and which lines are visible as rows once closed
// folds hide their bodies. Lines are numbered from 1, as on the server.

const GROUP_START = "::group::";
const GROUP_END = "::endgroup::";

export class LogModel {
  constructor() {
    this.lines = [];
    this.times = [];
    this.groups = []; // {header, title, last, marker, open}, in order
    this.groupByHeader = new Map();
    this.current = null; // the group still receiving lines
    this.runs = null; // visible line ranges, rebuilt on demand
  }

  get count() {
    return this.lines.length;
  }

  /** Add lines first, first+1, ...; lines already held are skipped. Returns how many were new. */
  append(first, lines, times) {
    const skip = this.count + 1 - first;
    if (skip < 0) throw new Error("lines " + (this.count + 1) + ".." + (first - 1) + " are missing");
    for (let i = Math.max(0, skip); i < lines.length; i++) {
      const text = lines[i];
      this.lines.push(text);
      this.times.push(times ? times[i] : null);
      if (text.charCodeAt(0) === 58 /* ":" */) this.noteGroupMarker(text, this.count);
    }
    this.runs = null;
    return Math.max(0, lines.length - Math.max(0, skip));
  }

  noteGroupMarker(text, number) {
    if (text.startsWith(GROUP_START)) {
      if (this.current) this.current.last = number - 1; // groups do not nest
      const group = { header: number, title: text.slice(GROUP_START.length), last: null, marker: null, open: false };
      this.groups.push(group);
      this.groupByHeader.set(number, group);
      this.current = group;
    } else if (text.startsWith(GROUP_END) && this.current) {
      this.current.last = number - 1;
      this.current.marker = number;
      this.current = null;
    }
  }

  /** The last body line of a group so far. */
  groupEnd(group) {
    return group.last === null ? this.count : group.last;
  }

  groupLineCount(group) {
    return this.groupEnd(group) - group.header;
  }

  /** Milliseconds from the group's header to its last line, or null without times. */
  groupDuration(group) {
    const end = group.marker || this.groupEnd(group);
    const start = this.times[group.header - 1];
    const stop = this.times[end - 1];
    return start == null || stop == null ? null : Math.max(0, stop - start);
  }

  /** The group whose body holds line `number`, or null. */
  groupHolding(number) {
    let low = 0;
    let high = this.groups.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.groups[middle].header < number) low = middle + 1;
      else high = middle - 1;
    }
    const group = this.groups[high];
    if (!group) return null;
    return number <= (group.marker || this.groupEnd(group)) ? group : null;
  }

  setOpen(group, open) {
    group.open = open;
    this.runs = null;
  }

  /** Open the fold that hides `number`, if any. Returns true when something changed. */
  reveal(number) {
    const group = this.groupHolding(number);
    if (!group || group.open || number === group.header) return false;
    this.setOpen(group, true);
    return true;
  }

  // Visible lines as runs {start, end, row}: `row` is the row index of `start`.
  // Closed groups hide their body and end marker; open groups hide only the marker.
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
    for (const group of this.groups) {
      const hideFrom = group.open ? group.marker : group.header + 1;
      if (!hideFrom) continue;
      const hideTo = group.marker || this.groupEnd(group);
      if (hideTo < hideFrom) continue;
      addRun(hideFrom - 1);
      next = hideTo + 1;
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

  /** The line number shown at row index `row`. */
  lineAtRow(row) {
    const runs = this.visibleRuns();
    let low = 0;
    let high = runs.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (runs[middle].row <= row) low = middle;
      else high = middle - 1;
    }
    const run = runs[low];
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
