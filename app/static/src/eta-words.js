// How long a running build usually takes and how much is left, from the
// median of the recipe's last succeeded builds (the build's estimate_ms):
// "usually 3m 10s · about 1m left", or "taking longer than usual" past it.
import { durationWords } from "./outcome-words.js";

const MINUTE = 60_000;

/** "about 1m left", "about 40s left", "a few seconds left": rounded, never falsely precise. */
export function leftWords(ms) {
  if (ms < 10_000) return "a few seconds left";
  if (ms < MINUTE) return "about " + Math.ceil(ms / 10_000) * 10 + "s left";
  return "about " + durationWords(Math.round(ms / MINUTE) * MINUTE) + " left";
}

/**
 * What the page shows for a build `elapsedMs` into a run usually `estimateMs` long:
 * {text, fraction (0..1, for the progress bar), over (past the usual duration)};
 * null without an estimate.
 */
export function etaView(estimateMs, elapsedMs) {
  if (typeof estimateMs !== "number" || !Number.isFinite(estimateMs) || estimateMs <= 0) return null;
  const elapsed = Math.max(0, Number.isFinite(elapsedMs) ? elapsedMs : 0);
  const usually = "usually " + durationWords(estimateMs);
  const over = elapsed > estimateMs;
  const rest = over ? "taking longer than usual" : leftWords(estimateMs - elapsed);
  return { text: usually + " · " + rest, fraction: Math.min(1, elapsed / estimateMs), over };
}
