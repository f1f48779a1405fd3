// The log as DOM: only the rows in and near the viewport exist, so a log of a
// million lines costs the same to show as one of a hundred. A row whose line
// is not loaded yet shows as pending, and the view asks for it (onShown). A row is one text
// row tall, or, with long lines wrapped, as many as its text needs (see
// row-geometry.js); a canvas as tall as all visible rows gives the scrollbar
// its size and a window inside it holds the rendered rows. Below the last
// line may sit a row that is not part of the log: a line still being drawn,
// or the build's closing status. Updates are batched into one animation
// frame. While the view sits at the bottom it follows new lines; scrolling up
// stops that at once.
import { lineRow, partialRow, statusRow, stepSummary } from "./log-rows.js";
import { displayWidth, UniformRows, WrappedRows } from "./row-geometry.js";

const OVERSCAN_ROWS = 30; // text rows rendered above and below the viewport
// Browsers cap an element's height (Chrome near 33.5 million px, Firefox near
// 17.9 million); past this the scrollbar maps onto the rows proportionally.
const MAX_CANVAS_PX = 8000000;

export class LogView {
  /**
   * scroller: the scrolling element; model: a LogModel; hooks: marksOn(number,
   * shift) for search matches, annotationsOn(number) for gutter marks,
   * onToggleStep(step), onLineClick(number, event), onFollowChange(following),
   * onRendered(), onShown(numbers) (the line numbers of the rows rendered)
   * and now() (the time open steps count up to).
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
    this.partial = null; // {line, text}: the line being drawn
    this.status = null; // {text, state}: the build's closing words
    this.wrap = false;
    this.columns = 0;
    this.geometry = new UniformRows();
    this.scale = 1; // row pixels per scrolled pixel
    this.rendered = null; // {first, last, nodes, lines} by row index
    this.stale = true;
    this.frame = 0;
    this.placedTop = null; // where the view last scrolled itself to
    this.listen(scroller);
  }

  listen(scroller) {
    scroller.addEventListener("scroll", () => this.onScroll());
    scroller.addEventListener("wheel", (event) => { if (event.deltaY < 0) this.setFollowing(false); }, { passive: true });
    scroller.addEventListener("keydown", (event) => {
      if (["ArrowUp", "PageUp", "Home"].includes(event.key)) this.setFollowing(false);
    });
    this.window.addEventListener("click", (event) => this.onClick(event));
    window.addEventListener("resize", () => {
      if (this.wrap) this.measureColumns();
      this.refresh(this.wrap);
    });
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

  // How many characters fit in a wrapped line's text column right now.
  measureColumns() {
    const probe = document.createElement("div");
    probe.className = "line";
    const cells = [document.createElement("a"), document.createElement("span")];
    cells[0].className = "ln";
    cells[1].className = "text";
    if (this.timestamps !== "off") {
      cells.splice(1, 0, document.createElement("span"));
      cells[1].className = "ts";
    }
    probe.append(...cells);
    const sample = document.createElement("span");
    sample.className = "char-probe";
    sample.textContent = "0".repeat(100);
    this.window.append(probe, sample);
    const width = probe.querySelector(".text").getBoundingClientRect().width;
    const char = sample.getBoundingClientRect().width / 100 || 8;
    probe.remove();
    sample.remove();
    this.columns = Math.max(8, Math.floor(width / char));
  }

  // A line not loaded yet counts as one text row until it is.
  unitsOf(number) {
    const text = this.model.line(number);
    if (text === undefined || this.model.stepAt(number)) return 1;
    return Math.max(1, Math.ceil(displayWidth(text) / this.columns));
  }

  /** Schedule a render; `rebuild` throws away rendered rows (folds, marks, highlight changed). */
  refresh(rebuild) {
    if (rebuild) this.stale = true;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  linesAdded() {
    if (this.partial && this.partial.line <= this.model.count) this.partial = null;
    this.refresh(false);
  }

  setTimestamps(mode, origin) {
    this.timestamps = mode;
    this.timeOrigin = origin;
    if (this.wrap) this.measureColumns();
    this.refresh(true);
  }

  /** Wrap long lines at the log's width, or let them run on to the right. */
  setWrap(wrap) {
    const top = this.following ? null : this.lineAtTop();
    this.wrap = wrap;
    this.scroller.classList.toggle("wrap", wrap);
    if (wrap) this.measureColumns();
    this.geometry = wrap ? new WrappedRows((number) => this.unitsOf(number)) : new UniformRows();
    if (top === null) this.refresh(true);
    else this.keepInView(top, 0);
  }

  setHighlight(range) {
    this.highlight = range;
    this.refresh(true);
  }

  /** Show line `line`'s text so far below the last line, until the line itself arrives. */
  setPartial(line, text) {
    this.partial = line > this.model.count ? { line, text } : null;
    this.refresh(false);
  }

  /** The build's closing words under the log, e.g. "failed: exit code 2 after 1m 12s". */
  setStatus(text, state) {
    this.status = text ? { text, state } : null;
    this.refresh(false);
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

  // The event of a scroll to where the view put itself is not the reader's;
  // neither is one that lands while a jump waits for its frame (an earlier
  // scroll to the bottom, say), which must not bring following back.
  onScroll() {
    const ours = this.placedTop !== null && Math.abs(this.scroller.scrollTop - this.placedTop) < 1;
    this.placedTop = null;
    if (!ours && !this.pendingScroll && this.atBottom() !== this.following) {
      this.setFollowing(this.atBottom());
    }
    this.refresh(false);
  }

  /** Bring line `number` into view a third from the top, and stop following. */
  scrollToLine(number) {
    this.model.reveal(number);
    this.setFollowing(false);
    this.keepInView(number, 1 / 3);
  }

  /** Scroll so that line `number` sits `fraction` of the viewport from its top. */
  keepInView(number, fraction) {
    this.pendingScroll = number;
    this.pendingFraction = fraction;
    this.refresh(true);
  }

  /** The first line whose row is in view, or null. */
  lineAtTop() {
    const rendered = this.rendered;
    if (!rendered) return null;
    const row = this.geometry.rowAt((this.scroller.scrollTop * this.scale) / this.rowHeight);
    return row < this.model.rows ? this.model.lineAtRow(row) : null;
  }

  onClick(event) {
    const fold = event.target.closest(".fold");
    if (fold) {
      const step = this.model.stepAt(Number(fold.dataset.header));
      if (step && this.hooks.onToggleStep) this.hooks.onToggleStep(step);
      return;
    }
    const number = event.target.closest(".ln");
    if (number && this.hooks.onLineClick) this.hooks.onLineClick(Number(number.dataset.n), event);
  }

  trailers() {
    const trailers = [];
    const partial = this.partial;
    if (partial && partial.line === this.model.count + 1) trailers.push({ partial });
    if (this.status) trailers.push({ status: this.status });
    return trailers;
  }

  render() {
    this.frame = 0;
    const model = this.model;
    const geometry = this.geometry;
    geometry.sync(model, model.foldVersion + ":" + this.columns);
    const trailers = this.trailers();
    const rows = model.rows + trailers.length;
    const scroller = this.scroller;
    const viewport = scroller.clientHeight;
    const unit = this.rowHeight;
    const total = (geometry.total + trailers.length) * unit;
    const height = Math.min(total, MAX_CANVAS_PX);
    if (this.canvas.style.height !== height + "px") this.canvas.style.height = height + "px";
    // Scrolling one pixel moves `scale` pixels through the rows (1 unless capped).
    this.scale = total > height && height > viewport ? (total - viewport) / (height - viewport) : 1;
    this.placeScroll(viewport, height);
    const offset = scroller.scrollTop * this.scale; // of the viewport's top, in row pixels
    // Overscan by height, not by rows: a wrapped row may be hundreds of text rows tall.
    const first = Math.max(0, Math.min(rows - 1, geometry.rowAt(Math.max(0, offset / unit - OVERSCAN_ROWS))));
    const last = Math.min(rows - 1, geometry.rowAt((offset + viewport) / unit + OVERSCAN_ROWS));
    this.renderRows(first, last, trailers);
    this.window.style.transform = "translateY(" + (scroller.scrollTop + geometry.top(first) * unit - offset) + "px)";
    const lastVisible = geometry.rowAt(Math.max(0, offset + viewport - 1) / unit);
    this.below = Math.max(0, model.rows - 1 - lastVisible);
    if (this.hooks.onShown) this.hooks.onShown(this.renderedLines(first, last));
    if (this.hooks.onRendered) this.hooks.onRendered();
  }

  /** Whether line `number` has a row among those rendered (or about to be). */
  showsLine(number) {
    const rendered = this.rendered;
    if (this.stale || !rendered) return true;
    const last = Math.min(rendered.last, this.model.rows - 1);
    if (last < rendered.first) return false;
    return number >= this.model.lineAtRow(rendered.first) && number <= this.model.lineAtRow(last);
  }

  /** The line numbers of rows first..last (rows past the log's end left out). */
  renderedLines(first, last) {
    const numbers = [];
    for (let row = first; row <= Math.min(last, this.model.rows - 1); row++) numbers.push(this.model.lineAtRow(row));
    return numbers;
  }

  // Scroll to a line asked for, or to the bottom while following.
  placeScroll(viewport, height) {
    const scroller = this.scroller;
    if (this.pendingScroll) {
      const row = this.model.rowOfLine(this.pendingScroll);
      this.pendingScroll = null;
      if (row === null) return;
      const limit = Math.max(0, height - viewport);
      const wanted = (this.geometry.top(row) * this.rowHeight - viewport * this.pendingFraction) / this.scale;
      const top = Math.min(limit, Math.max(0, Math.round(wanted)));
      if (Math.abs(scroller.scrollTop - top) >= 1) this.scrollItself(top);
    } else if (this.following) {
      const bottom = Math.max(0, height - viewport);
      if (Math.abs(scroller.scrollTop - bottom) >= 1) this.scrollItself(bottom);
    }
  }

  scrollItself(top) {
    const before = this.scroller.scrollTop;
    this.scroller.scrollTop = top;
    if (this.scroller.scrollTop !== before) this.placedTop = this.scroller.scrollTop;
  }

  renderRow(row, trailers) {
    const lines = this.model.rows;
    if (row >= lines) {
      const trailer = trailers[row - lines];
      return trailer.partial ? partialRow(trailer.partial.line, trailer.partial.text) : statusRow(trailer.status);
    }
    return lineRow(this, this.model.lineAtRow(row), this.geometry.units(row));
  }

  // Keep rows that stay in the window (a selection in them survives streaming),
  // drop the ones that left it and build only the new ones. Rows below the
  // last line are rebuilt whenever anything changed there.
  renderRows(first, last, trailers) {
    const old = this.rendered;
    const lines = this.model.rows;
    const key = trailers.map((t) => (t.partial ? "p" + t.partial.line + ":" + t.partial.text : "s" + t.status.text)).join("|");
    if (this.stale || !old || first > old.last || last < old.first || last < first) {
      this.stale = false;
      const nodes = [];
      for (let row = first; row <= last; row++) nodes.push(this.renderRow(row, trailers));
      this.window.replaceChildren(...nodes);
      this.rendered = { first, last, nodes, lines, key };
      return;
    }
    const nodes = old.nodes;
    if (old.key !== key || old.lines !== lines) {
      while (old.last >= Math.min(old.lines, lines) && old.last >= old.first) { nodes.pop().remove(); old.last--; }
    }
    while (old.first < first && old.first <= old.last) { nodes.shift().remove(); old.first++; }
    while (old.last > last) { nodes.pop().remove(); old.last--; }
    if (!nodes.length) {
      this.stale = true;
      this.renderRows(first, last, trailers);
      return;
    }
    const before = [];
    for (let row = first; row < old.first; row++) before.push(this.renderRow(row, trailers));
    if (before.length) { this.window.prepend(...before); nodes.unshift(...before); }
    const after = [];
    for (let row = old.last + 1; row <= last; row++) after.push(this.renderRow(row, trailers));
    if (after.length) { this.window.append(...after); nodes.push(...after); }
    Object.assign(old, { first, last, lines, key });
    this.updateStepHeaders(nodes);
  }

  updateStepHeaders(nodes) {
    const now = this.hooks.now ? this.hooks.now() : Date.now();
    for (const node of nodes) {
      if (node.groupMeta) node.groupMeta.textContent = stepSummary(this.model, node.step, now);
    }
  }
}
