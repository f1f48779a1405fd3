// The log toolbar's search box: type to find in the whole log, Enter and
// Shift+Enter (or the arrows) to go from match to match, Escape to clear,
// Ctrl+F or "/" to get there; "Aa" matches case, ".*" reads a regular
// expression.

const SEARCH_DELAY_MS = 200;

function toggle(id, onChange) {
  const button = document.getElementById(id);
  button.addEventListener("click", function () {
    button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
    onChange();
  });
  return () => button.getAttribute("aria-pressed") === "true";
}

/** Wire the box to `search` (a LogSearch) and `view`; returns what to call when matches change. */
export function wireSearch(root, search, view) {
  const searchBox = document.getElementById("search");
  const searchCount = document.getElementById("search-count");
  let searchTimer = 0;

  function showCount() {
    searchCount.textContent = search.summary();
    searchCount.classList.toggle("search-error", search.state === "error");
    root.dataset.search = search.query ? search.state : "";
  }

  function showMatch(match) {
    showCount();
    if (match) view.scrollToLine(match.line);
    view.refresh(true);
  }

  const regex = toggle("search-regex", () => startSearch());
  const matchCase = toggle("search-case", () => startSearch());

  function startSearch() {
    clearTimeout(searchTimer);
    search.setQuery(searchBox.value, { regex: regex(), matchCase: matchCase() });
  }

  function asked() {
    return search.query !== searchBox.value || search.options.regex !== regex() || search.options.matchCase !== matchCase();
  }

  searchBox.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(startSearch, SEARCH_DELAY_MS);
  });

  searchBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      if (asked()) startSearch();
      else showMatch(search.step(event.shiftKey ? -1 : 1));
    } else if (event.key === "Escape") {
      searchBox.value = "";
      startSearch();
      document.getElementById("log").focus();
    }
  });

  document.getElementById("search-previous").addEventListener("click", () => showMatch(search.step(-1)));
  document.getElementById("search-next").addEventListener("click", () => showMatch(search.step(1)));

  document.addEventListener("keydown", function (event) {
    const typing = event.target.closest("input, textarea, select");
    const findKey = (event.ctrlKey || event.metaKey) && event.key === "f";
    // A second Ctrl+F inside the box falls through to the browser's own find.
    if ((findKey && event.target !== searchBox) || (event.key === "/" && !typing)) {
      event.preventDefault();
      searchBox.focus();
      searchBox.select();
    }
  });

  /**
   * The matches changed; `jump`: take the reader to the current one. Rows are
   * built again only when their marks may differ: a search that streams in
   * matches far from view changes nothing but the count.
   */
  return function matchesChanged(jump, lines) {
    if (jump || !lines || lines.some((line) => view.showsLine(line))) {
      showMatch(jump ? search.current : null);
    } else {
      showCount();
    }
  };
}
