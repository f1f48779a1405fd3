// The log toolbar's search box: type to find in the whole log, Enter and
// Shift+Enter (or the arrows) to go from match to match, Escape to clear,
// Ctrl+F or "/" to get there.

const SEARCH_DELAY_MS = 120;

/** Wire the box to `search` (a LogSearch) and `view`; returns what to call after new lines. */
export function wireSearch(search, view) {
  const searchBox = document.getElementById("search");
  const searchCount = document.getElementById("search-count");
  let searchTimer = 0;

  function showMatch(match) {
    searchCount.textContent = search.summary();
    if (match) view.scrollToLine(match.line);
    view.refresh(true);
  }

  searchBox.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      search.setQuery(searchBox.value);
      showMatch(search.current);
    }, SEARCH_DELAY_MS);
  });

  searchBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(searchTimer);
      if (search.query !== searchBox.value.toLowerCase()) {
        search.setQuery(searchBox.value);
        showMatch(search.current);
      } else {
        showMatch(search.step(event.shiftKey ? -1 : 1));
      }
    } else if (event.key === "Escape") {
      searchBox.value = "";
      search.setQuery("");
      showMatch(null);
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

  /** After new lines: count their matches too. */
  return function scanNewLines() {
    if (!search.query) return;
    const known = search.matches.length;
    search.scan();
    searchCount.textContent = search.summary();
    if (search.matches.length !== known) view.refresh(true);
  };
}
