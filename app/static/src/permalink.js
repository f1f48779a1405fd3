// Line links: "#L42" for one line and "#L40-L50" for a range, as on GitHub.

const LINK = /^#L(\d+)(?:-L(\d+))?$/;

/** [first, last] from a location hash, or null when it is not a line link. */
export function parseLineLink(hash) {
  const match = LINK.exec(hash || "");
  if (!match) return null;
  const first = Number(match[1]);
  const last = match[2] ? Number(match[2]) : first;
  if (first < 1) return null;
  return first <= last ? [first, last] : [last, first];
}

export function formatLineLink(first, last) {
  return "#L" + first + (last && last !== first ? "-L" + last : "");
}
