// The build page's header and tab title, kept in step with the build's status.

import { EtaDisplay } from "./eta-display.js";
import { showFavicon } from "./favicon-state.js";
import { durationWords, outcomeWords } from "./outcome-words.js";
import { FINISHED } from "./states.js";

const TITLE_MARK = { succeeded: "✓", failed: "✗", cancelled: "⊘", running: "▶", queued: "…" };

export class BuildHeader {
  constructor(document) {
    this.badge = document.getElementById("state");
    this.started = document.getElementById("started");
    this.duration = document.getElementById("duration");
    this.result = document.getElementById("result");
    this.cancel = document.getElementById("cancel");
    this.document = document;
    this.eta = new EtaDisplay(document);
    this.build = null;
    setInterval(() => this.tick(), 1000);
  }

  update(build) {
    this.build = build;
    this.badge.textContent = build.state;
    this.badge.className = "badge state-" + build.state;
    this.document.title = (TITLE_MARK[build.state] || "") + " #" + build.id + " " + build.recipe + " · buildtail";
    showFavicon(this.document, build.state);
    this.cancel.hidden = FINISHED.has(build.state);
    // In words, as the log's last row says it: never "exit code -15".
    this.result.textContent = outcomeWords(build) || "–";
    if (build.started_at) {
      this.started.textContent = new Date(build.started_at).toLocaleString();
      this.started.dateTime = build.started_at;
    }
    this.tick();
  }

  /** Dim the running duration while nothing shows the build is still making progress. */
  setStalled(stalled) {
    const now = stalled && !this.finished;
    if (this.duration.classList.contains("stalled") === now) return;
    this.duration.classList.toggle("stalled", now);
    if (now) this.duration.title = "the page cannot tell right now whether the build is still running";
    else this.duration.removeAttribute("title");
  }

  get finished() {
    return this.build !== null && FINISHED.has(this.build.state);
  }

  /** When the build started, in ms since the epoch, or null. */
  get startedAt() {
    return this.build && this.build.started_at ? Date.parse(this.build.started_at) : null;
  }

  tick() {
    const build = this.build;
    this.eta.show(build, Date.now());
    if (!build || !build.started_at) return;
    const end = build.finished_at ? Date.parse(build.finished_at) : Date.now();
    // The same words as the outcome's "after 1m 12s".
    this.duration.textContent = durationWords(Math.max(0, end - Date.parse(build.started_at)));
  }
}
