// Probes the big-log benchmark (bench/big.py) adds to the build page before its
// own scripts run, as window.benchProbes. They read only the page's DOM: rows
// are `#L<n>.line` with the line's text in `.text`, `pending` while a row's line
// is not loaded; every line of the benchmark's logs carries "[n/".
(() => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));

  /** The rows inside the log's viewport, as [number, text, pending]. */
  function rowsInView() {
    const log = document.getElementById("log");
    const top = log.getBoundingClientRect().top;
    const bottom = top + log.clientHeight;
    const rows = [];
    for (const row of log.querySelectorAll(".line[id^='L']")) {
      const box = row.getBoundingClientRect();
      if (box.height <= 0 || box.top < top - 1 || box.bottom > bottom + 1) continue;
      const text = row.querySelector(".text");
      rows.push([Number(row.id.slice(1)), text ? text.textContent : "", row.classList.contains("pending")]);
    }
    return rows;
  }

  const showsItself = ([n, text, pending]) => !pending && text.includes("[" + n + "/");

  /** performance.now() once line n's row shows its own text in view (and is selected, if asked); else false. */
  function lineShown(n, selected) {
    const row = document.getElementById("L" + n);
    if (!row || (selected && !row.classList.contains("selected"))) return false;
    const shown = rowsInView().find(([line]) => line === n);
    return shown && showsItself(shown) ? performance.now() : false;
  }

  /** performance.now() once a row of line n or a later one shows its own text in view; else false. */
  function newestShown(n) {
    return rowsInView().some((row) => row[0] >= n && showsItself(row)) ? performance.now() : false;
  }

  const countText = () => (document.getElementById("search-count").textContent || "").trim();

  /** Wait (a frame at a time, at most until `deadline`) for `done()`; false when it never came. */
  async function until(done, deadline) {
    while (!done()) {
      if (performance.now() > deadline) return false;
      await frame();
    }
    return true;
  }

  /** Ms from setting the hash to #L<n> until that row is selected and shown; null past capMs. */
  async function jump(n, capMs) {
    const started = performance.now();
    location.hash = "#L" + n;
    return (await until(() => lineShown(n, true), started + capMs)) ? performance.now() - started : null;
  }

  /** Scroll the log top to bottom in `steps` steps, each time until every row in view shows its line. */
  async function scrollThrough(steps, capMs) {
    const log = document.getElementById("log");
    const filled = () => {
      const rows = rowsInView();
      return rows.length > 0 && rows.every(showsItself);
    };
    const started = performance.now();
    let lowest = Infinity;
    let highest = 0;
    for (let step = 0; step <= steps; step++) {
      log.scrollTop = Math.round((step * (log.scrollHeight - log.clientHeight)) / steps);
      await frame();
      while (!filled()) {
        if (performance.now() - started > capMs) return { step, ms: null };
        await frame();
      }
      for (const [n] of rowsInView()) {
        lowest = Math.min(lowest, n);
        highest = Math.max(highest, n);
      }
    }
    return { step: steps, ms: performance.now() - started, lowest, highest };
  }

  /** The search count reads `ending` and no whole-log search is still running. */
  function searchDone(ending) {
    const state = document.getElementById("build").dataset.search;
    return countText().endsWith(ending) && (state === undefined || state === "done");
  }

  /** Type `query` into the search box, as a person would. */
  function typeQuery(query) {
    const box = document.getElementById("search");
    box.value = query;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    return box;
  }

  /**
   * Ms from typing `query` until its count ends "of <total>", Enter has been
   * pressed up to the `wanted`th match and line `line` is shown; null past capMs.
   * Each Enter is pressed once the count has taken the one before.
   */
  async function searchTo(query, total, wanted, line, capMs) {
    const started = performance.now();
    const deadline = started + capMs;
    const box = typeQuery(query);
    if (!(await until(() => countText().endsWith("of " + total), deadline))) return null;
    while (!countText().startsWith(wanted + " of")) {
      const before = countText();
      box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
      if (!(await until(() => countText() !== before, deadline))) return null;
    }
    if (!(await until(() => lineShown(line, false), deadline))) return null;
    return performance.now() - started;
  }

  const searching = { started: 0, finished: 0, failed: 0, stopped: false };

  /**
   * Search again and again as a person at the page would, typing each query of
   * `turns` ([query, ending], in turn) into the search box and waiting until its
   * count reads `ending` (at most capMs) before the next: in the page, so that
   * nothing outside it asks the page anything while it searches.
   */
  async function searchAgainAndAgain(turns, capMs) {
    for (let turn = 0; !searching.stopped; turn++) {
      const [query, ending] = turns[turn % turns.length];
      typeQuery(query);
      searching.started++;
      const started = performance.now();
      while (!searchDone(ending) && performance.now() - started < capMs) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (searchDone(ending)) searching.finished++;
      else searching.failed++;
    }
  }

  window.benchProbes = {
    rowsInView, lineShown, newestShown, jump, scrollThrough, searchDone, searchTo, searching, searchAgainAndAgain,
  };
})();
