// The build header's ETA: the words from eta-words.js and a <progress> bar,
// shown only while the build runs and has an estimate.
import { etaView } from "./eta-words.js";

export class EtaDisplay {
  constructor(document) {
    this.box = document.getElementById("eta");
    this.text = document.getElementById("eta-text");
    this.bar = document.getElementById("eta-progress");
  }

  /** Show where `build` stands at `now` (ms since the epoch). */
  show(build, now) {
    const running = build && build.state === "running" && build.started_at;
    const view = running ? etaView(build.estimate_ms, now - Date.parse(build.started_at)) : null;
    this.box.hidden = view === null;
    if (view === null) return;
    this.text.textContent = view.text;
    this.bar.value = view.fraction;
    this.bar.textContent = Math.round(view.fraction * 100) + "%";
    this.box.classList.toggle("over", view.over);
  }
}
