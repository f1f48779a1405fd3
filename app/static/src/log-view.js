// The log as DOM: only the rows in and near the viewport exist, so a log of a
// million lines costs the same to show as one of a hundred. Rows have one fixed
// height; a canvas as tall as all visible rows gives the scrollbar its size and a
// window inside it holds the rendered rows. Updates are batched into one
// animation frame. While the view sits at the bottom it follows new lines;
// scrolling up stops that at once.
import { styledPieces } from "./ansi.js";

const OVERSCAN_ROWS = 30;
// Browsers cap an element's height (Chrome near 33.5 million px, Firefox near
// 17.9 million); past this the scrollbar maps onto the rows proportionally.
const MAX_CANVAS_PX = 8000000;

function formatDuration(ms) {
  const seconds = ms / 1000;
  if (seconds < 60) return seconds.toFixed(1) + "s";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + "m " + Math.floor(seconds % 60) + "s";
  return Math.floor(minutes / 60) + "h " + (minutes % 60) + "m";
}

function pad(number, width) {
  return String(number).padStart(width, "0");
}

export function formatElapsed(ms) {
  const tenths = Math.floor(Math.max(0, ms) / 100);
  const seconds = Math.floor(tenths / 10);
  const clock = pad(Math.floor(seconds / 60) % 60, 2) + ":" + pad(seconds % 60, 2) + "." + (tenths % 10);
  return seconds >= 3600 ? Math.floor(seconds / 3600) + ":" + clock : clock;
}

function formatClock(ms) {
  const time = new Date(ms);
  return pad(time.getHours(), 2) + ":" + pad(time.getMinutes(), 2) + ":" + pad(time.getSeconds(), 2);
}

// Text with search matches wrapped in <mark>; always text nodes, never markup.
function appendMarkedText(parent, text, offset, marks) {
  let position = 0;
  while (position < text.length) {
    const absolute = offset + position;
    while (marks.length && marks[0].end <= absolute) marks.shift();
    const mark = marks[0];
    if (mark && mark.start <= absolute) {
      const end = Math.min(text.length, mark.end - offset);
      const element = document.createElement("mark");
      if (mark.current) element.className = "current";
      element.textContent = text.slice(position, end);
      parent.appendChild(element);
      position = end;
    } else {
      const end = mark ? Math.min(text.length, mark.start - offset) : text.length;
      parent.appendChild(document.createTextNode(text.slice(position, end)));
      position = end;
    }
  }
}

function renderText(container, raw, marks) {
  let offset = 0;
  const pending = marks ? marks.slice() : [];
  for (const piece of styledPieces(raw)) {
    let target = container;
    if (piece.color || piece.background || piece.classes) {
      target = document.createElement("span");
      if (piece.classes) target.className = piece.classes;
      if (piece.color) target.style.color = "rgb(" + piece.color + ")";
      if (piece.background) target.style.backgroundColor = "rgb(" + piece.background + ")";
      container.appendChild(target);
    }
    appendMarkedText(target, piece.text, offset, pending);
    offset += piece.text.length;
  }
}

export class LogView {
  /**
   * scroller: the scrolling element; model: a LogModel; hooks: marksOn(number,
   * shift) for search matches, onToggleGroup(group), onLineClick(number, event),
   * onFollowChange(following) and onRendered().
   */
  constructor(scroller, model, hooks) {
    this.scroller = scroller;
    this.model = model;
    this.hooks = hooks;
    this.canvas = document.createElement("div");
    this.canvas.className = "log-canvas";
    this.window = document.createElement("div");
    this.window.className = "log-window";
    this.canvas.appendChild(this.window);
    scroller.replaceChildren(this.canvas);
    this.rowHeight = this.measureRowHeight();
    this.following = true;
    this.below = 0; // rows under the viewport
    this.timestamps = "off";
    this.timeOrigin = null;
    this.highlight = null; // [first, last] line numbers
    this.rendered = null; // {first, last, nodes} by row index
    this.stale = true;
    this.frame = 0;
    this.ignoreScroll = false;
    scroller.addEventListener("scroll", () => this.onScroll());
    scroller.addEventListener("wheel", (event) => { if (event.deltaY < 0) this.setFollowing(false); }, { passive: true });
    scroller.addEventListener("keydown", (event) => {
      if (["ArrowUp", "PageUp", "Home"].includes(event.key)) this.setFollowing(false);
    });
    this.window.addEventListener("click", (event) => this.onClick(event));
    window.addEventListener("resize", () => this.refresh(false));
  }

  measureRowHeight() {
    const probe = document.createElement("div");
    probe.className = "line";
    probe.textContent = "0";
    this.window.appendChild(probe);
    const height = probe.getBoundingClientRect().height || 20;
    probe.remove();
    return height;
  }

  /** Schedule a render; `rebuild` throws away rendered rows (folds, marks, highlight changed). */
  refresh(rebuild) {
    if (rebuild) this.stale = true;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  linesAdded() {
    this.refresh(false);
  }

  setTimestamps(mode, origin) {
    this.timestamps = mode;
    this.timeOrigin = origin;
    this.refresh(true);
  }

  setHighlight(range) {
    this.highlight = range;
    this.refresh(true);
  }

  setFollowing(following) {
    if (following === this.following) return;
    this.following = following;
    if (following) this.refresh(false);
    if (this.hooks.onFollowChange) this.hooks.onFollowChange(following);
  }

  atBottom() {
    const scroller = this.scroller;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < this.rowHeight / 2;
  }

  onScroll() {
    if (this.ignoreScroll) {
      this.ignoreScroll = false;
    } else if (this.atBottom() !== this.following) {
      this.setFollowing(this.atBottom());
    }
    this.refresh(false);
  }

  /** Bring line `number` into view a third from the top, and stop following. */
  scrollToLine(number) {
    this.model.reveal(number);
    this.setFollowing(false);
    this.pendingScroll = number;
    this.refresh(true);
  }

  onClick(event) {
    const fold = event.target.closest(".fold");
    if (fold) {
      const group = this.model.groupByHeader.get(Number(fold.dataset.header));
      if (group && this.hooks.onToggleGroup) this.hooks.onToggleGroup(group);
      return;
    }
    const number = event.target.closest(".ln");
    if (number && this.hooks.onLineClick) this.hooks.onLineClick(Number(number.dataset.n), event);
  }

  render() {
    this.frame = 0;
    const model = this.model;
    const rows = model.rows;
    const scroller = this.scroller;
    const viewport = scroller.clientHeight;
    const total = rows * this.rowHeight;
    const height = Math.min(total, MAX_CANVAS_PX);
    if (this.canvas.style.height !== height + "px") this.canvas.style.height = height + "px";
    // Scrolling one pixel moves `scale` pixels through the rows (1 unless capped).
    const scale = total > height && height > viewport ? (total - viewport) / (height - viewport) : 1;
    if (this.pendingScroll) {
      const row = model.rowOfLine(this.pendingScroll);
      this.pendingScroll = null;
      const limit = Math.max(0, scroller.scrollHeight - viewport);
      const top = row === null ? null : Math.min(limit, Math.max(0, Math.round((row * this.rowHeight - viewport / 3) / scale)));
      if (top !== null && Math.abs(scroller.scrollTop - top) >= 1) {
        // This scroll is ours, not the reader's: it must not resume following.
        this.ignoreScroll = true;
        scroller.scrollTop = top;
      }
    } else if (this.following) {
      const bottom = Math.max(0, height - viewport);
      if (Math.abs(scroller.scrollTop - bottom) >= 1) scroller.scrollTop = bottom;
    }
    const offset = scroller.scrollTop * scale; // of the viewport's top, in row pixels
    const first = Math.max(0, Math.floor(offset / this.rowHeight) - OVERSCAN_ROWS);
    const last = Math.min(rows - 1, Math.ceil((offset + viewport) / this.rowHeight) + OVERSCAN_ROWS);
    this.renderRows(first, last);
    this.window.style.transform = "translateY(" + (scroller.scrollTop + first * this.rowHeight - offset) + "px)";
    const lastVisible = Math.floor((offset + viewport - 1) / this.rowHeight);
    this.below = Math.max(0, rows - 1 - lastVisible);
    if (this.hooks.onRendered) this.hooks.onRendered();
  }

  // Keep rows that stay in the window (a selection in them survives streaming),
  // drop the ones that left it and build only the new ones.
  renderRows(first, last) {
    const old = this.rendered;
    if (this.stale || !old || first > old.last || last < old.first || last < first) {
      this.stale = false;
      const nodes = [];
      for (let row = first; row <= last; row++) nodes.push(this.renderRow(row));
      this.window.replaceChildren(...nodes);
      this.rendered = { first, last, nodes };
    } else {
      const nodes = old.nodes;
      while (old.first < first) { nodes.shift().remove(); old.first++; }
      while (old.last > last) { nodes.pop().remove(); old.last--; }
      const before = [];
      for (let row = first; row < old.first; row++) before.push(this.renderRow(row));
      if (before.length) { this.window.prepend(...before); nodes.unshift(...before); }
      const after = [];
      for (let row = old.last + 1; row <= last; row++) after.push(this.renderRow(row));
      if (after.length) { this.window.append(...after); nodes.push(...after); }
      old.first = first;
      old.last = last;
      this.updateGroupHeaders(nodes);
    }
  }

  updateGroupHeaders(nodes) {
    for (const node of nodes) {
      if (node.groupMeta) node.groupMeta.textContent = this.groupSummary(node.group);
    }
  }

  groupSummary(group) {
    const count = this.model.groupLineCount(group);
    const duration = this.model.groupDuration(group);
    let summary = count + (count === 1 ? " line" : " lines");
    if (duration !== null) summary += " · " + formatDuration(duration);
    if (group.last === null && group.marker === null) summary += " …";
    return summary;
  }

  renderRow(row) {
    const model = this.model;
    const number = model.lineAtRow(row);
    const element = document.createElement("div");
    element.className = "line";
    element.id = "L" + number;
    const gutter = document.createElement("a");
    gutter.className = "ln";
    gutter.href = "#L" + number;
    gutter.tabIndex = -1;
    gutter.dataset.n = number;
    element.appendChild(gutter);
    if (this.timestamps !== "off") element.appendChild(this.renderTime(number));
    const highlight = this.highlight;
    if (highlight && number >= highlight[0] && number <= highlight[1]) element.classList.add("selected");
    const group = model.groupByHeader.get(number);
    if (group) {
      element.classList.add("group-header");
      const fold = document.createElement("button");
      fold.type = "button";
      fold.className = "fold";
      fold.dataset.header = number;
      fold.setAttribute("aria-expanded", String(group.open));
      renderText(fold, group.title, this.hooks.marksOn(number, "::group::".length));
      const meta = document.createElement("span");
      meta.className = "group-meta";
      meta.textContent = this.groupSummary(group);
      element.append(fold, meta);
      element.group = group;
      element.groupMeta = meta;
      return element;
    }
    const text = document.createElement("span");
    text.className = "text";
    renderText(text, model.lines[number - 1], this.hooks.marksOn(number, 0));
    element.appendChild(text);
    return element;
  }

  renderTime(number) {
    const time = document.createElement("span");
    time.className = "ts";
    const printed = this.model.times[number - 1];
    if (printed != null) {
      time.textContent = this.timestamps === "clock" ? formatClock(printed) : formatElapsed(printed - (this.timeOrigin || printed));
    }
    return time;
  }
}
