// Times as people read them in a list: "3 min ago", with the exact local time
// kept for the hover title; and the spans between a build's times.

import { durationWords } from "./outcome-words.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "3 min ago", "2 h ago", "yesterday", "5 days ago", or a local date past a month. */
export function relativeTime(iso, now = Date.now()) {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return "";
  const ago = Math.max(0, now - at);
  if (ago < MINUTE) return "just now";
  if (ago < HOUR) return Math.floor(ago / MINUTE) + " min ago";
  if (ago < DAY) return Math.floor(ago / HOUR) + " h ago";
  if (ago < 2 * DAY) return "yesterday";
  if (ago < 31 * DAY) return Math.floor(ago / DAY) + " days ago";
  return new Date(at).toLocaleDateString();
}

/** The exact moment in the reader's own time zone, for a title. */
export function exactLocalTime(iso) {
  const at = Date.parse(iso);
  return Number.isFinite(at) ? new Date(at).toLocaleString() : "";
}

function between(from, to) {
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  return durationWords(Math.max(0, end - start));
}

/** How long a build ran (so far, for a running one); null before it started. */
export function runTime(build, now = Date.now()) {
  if (!build.started_at) return null;
  return between(build.started_at, build.finished_at || new Date(now).toISOString());
}

/** How long a build waited in the queue before it started; null before it did. */
export function waitTime(build) {
  if (!build.started_at || !build.created_at) return null;
  return between(build.created_at, build.started_at);
}
