// The tab's icon shows the build's state: a coloured square with a mark,
// drawn as an SVG data URL so no request is needed to change it.

const COLOURS = {
  succeeded: "#1a7f37", failed: "#cf222e", cancelled: "#6e7781", running: "#1f6feb", queued: "#9a6700",
};
const MARKS = {
  succeeded: '<path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none" stroke-linecap="round"/>',
  failed: '<path d="M5 5l6 6M11 5l-6 6" stroke="#fff" stroke-width="2" stroke-linecap="round"/>',
  cancelled: '<path d="M4.5 8h7" stroke="#fff" stroke-width="2" stroke-linecap="round"/>',
  running: '<path d="M6 4.5v7l5.5-3.5z" fill="#fff"/>',
  queued: '<circle cx="5" cy="8" r="1.2" fill="#fff"/><circle cx="8" cy="8" r="1.2" fill="#fff"/><circle cx="11" cy="8" r="1.2" fill="#fff"/>',
};

/** The icon for a build in `state`, as a data: URL; null for a state it has none for. */
export function faviconHref(state) {
  if (!COLOURS[state]) return null;
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">' +
    '<rect width="16" height="16" rx="3" fill="' + COLOURS[state] + '"/>' + MARKS[state] + "</svg>";
  return "data:image/svg+xml," + encodeURIComponent(svg);
}

/** Point the page's <link rel=icon> at the icon for `state`. */
export function showFavicon(document, state) {
  const href = faviconHref(state);
  const link = document.getElementById("favicon");
  if (href && link && link.getAttribute("href") !== href) link.setAttribute("href", href);
}
