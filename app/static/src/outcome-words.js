// How a finished build ended, in words: "failed: exit code 2 after 1m 12s",
// "cancelled by alice (SIGTERM) after 40s". The header and the log's last line say
// it; the CLI says the same (app/outcome_words.py: both pass
// tests/outcome_words_cases.json). Never "exit code -15": a signal is named.

import { isFinished } from "./states.js";

// Reasons the server records (app/execution/outcome.py, app/execution/lifecycle.py,
// app/reaper.py) that end a command that ran, so how long it ran belongs to them.
const RAN = [/^exit code \d+$/, /^killed by /, /^worker lost$/, /^internal error$/];

/** "40s", "1m 12s", "10m", "1h 2m" (whole units, rounded down); null for no duration. */
export function durationWords(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return null;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return seconds + "s";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + "m" + (seconds % 60 ? " " + (seconds % 60) + "s" : "");
  const hours = Math.floor(minutes / 60);
  return hours + "h" + (minutes % 60 ? " " + (minutes % 60) + "m" : "");
}

function ranFor(build) {
  if (!build.started_at || !build.finished_at) return null;
  return durationWords(Date.parse(build.finished_at) - Date.parse(build.started_at));
}

function signalName(build) {
  return build.signal || "signal " + -build.exit_code;
}

// What ended a failed build, in the record's words, but a signal by its name.
function failure(build) {
  const reason = build.reason || "";
  const code = build.exit_code;
  const killed = typeof code === "number" && code < 0;
  const signalled = killed && (!reason || /^exit code -\d+$/.test(reason));
  if (signalled) return "killed by " + signalName(build);
  if (!reason && typeof code === "number" && code > 0) return "exit code " + code;
  return reason;
}

// "(SIGTERM)" or "(exit code 143)": how the command took being stopped.
function stoppedBy(build) {
  const code = build.exit_code;
  if (typeof code !== "number" || code === 0) return "";
  return " (" + (code < 0 ? signalName(build) : "exit code " + code) + ")";
}

/** The sentence for a finished build; null while it is queued or running. */
export function outcomeWords(build) {
  if (!build || !isFinished(build.state)) return null;
  const took = ranFor(build);
  const after = took === null ? "" : " after " + took;
  if (build.state === "succeeded") return "succeeded" + after;
  if (build.state === "cancelled") {
    const by = build.cancelled_by ? " by " + build.cancelled_by : "";
    if (!build.started_at) return "cancelled" + by + " before it started";
    return "cancelled" + by + stoppedBy(build) + after;
  }
  const reason = failure(build);
  if (reason === "timed out") return "timed out" + after;
  if (!reason) return "failed" + after;
  if (RAN.some((pattern) => pattern.test(reason))) return "failed: " + reason + after;
  return "failed: " + reason;
}
