// What the connection indicator says, worked out from the events the page has
// seen and the clock: never "live" while no line can come. Pure: no DOM, no
// timers; the page feeds it events with their time and asks view(now).

import { FINISHED } from "./states.js";

/** The subscribe refusal that is not final: the page subscribes again. */
export const REDIS_DOWN_ERROR = "the log service cannot reach Redis right now";
/** After this long without a health message the server counts as silent. */
export const SILENCE_MS = 6000;

export class ConnectionStatus {
  constructor() {
    this.socket = "connecting"; // "connecting" | "up" | "down"
    this.subscribed = false;
    this.error = null; // a refusal that retrying will not cure
    this.redisDown = false;
    this.lastWord = null; // when the server last said how things are
    this.workerSilent = null; // {seconds, at}: the worker's silence as last reported
    this.state = null; // the build's state
  }

  connected(now) {
    this.socket = "up";
    this.subscribed = false;
    this.error = null;
    this.lastWord = now;
  }

  disconnected() {
    this.socket = "down";
    this.subscribed = false;
  }

  /** A subscribe ack: `{ok: true, build}` or `{ok: false, error}` (or nothing). */
  acknowledged(ack, now) {
    if (ack && ack.ok) {
      // The server just read the build from Redis: as good as a health message.
      this.subscribed = true;
      this.error = null;
      this.redisDown = false;
      this.lastWord = now;
      this.status(ack.build);
    } else if (ack && ack.error === REDIS_DOWN_ERROR) {
      this.redisDown = true;
      this.lastWord = now;
    } else {
      this.error = ack && ack.error ? ack.error : "no answer";
    }
  }

  /** A `health` message: `{redis: "ok" | "unavailable", worker_silent_seconds}`. */
  health(message, now) {
    this.redisDown = message.redis !== "ok";
    this.lastWord = now;
    const silent = message.worker_silent_seconds;
    this.workerSilent = typeof silent === "number" ? { seconds: silent, at: now } : null;
  }

  /**
   * Lines or a status arrived: the connection works, even when a long catch-up
   * delays the health messages. What they said about Redis and the worker stands.
   */
  heard(now) {
    if (this.subscribed) this.lastWord = Math.max(this.lastWord, now);
  }

  status(build) {
    if (!build || !build.state) return;
    this.state = build.state;
    if (this.state !== "running") this.workerSilent = null;
  }

  get finished() {
    return FINISHED.has(this.state);
  }

  /**
   * {label, text, seconds, state, stalled} at `now`: `label` is `text` with the
   * count of `seconds` when there is one; `state` names the case for styling;
   * `stalled` says a running build's duration cannot be trusted to be counting.
   */
  view(now) {
    const view = this.situation(now);
    view.label = view.seconds === null ? view.text : view.text + " (" + view.seconds + "s)";
    view.stalled = this.state === "running" && view.state !== "live";
    return view;
  }

  situation(now) {
    const say = (state, text, seconds = null) => ({ state, text, seconds });
    if (this.finished) return say("finished", "finished");
    if (this.error) return say("error", "error: " + this.error);
    if (this.socket === "down") return say("reconnecting", "reconnecting");
    if (this.socket === "connecting") return say("connecting", "connecting");
    // Health messages are due every few seconds once subscribed, and an ack
    // soon after connecting; without them what the page knows is stale. Only
    // while it subscribes again after a refusal is a long pause expected.
    const retrying = this.redisDown && !this.subscribed;
    const quiet = now - this.lastWord;
    if (!retrying && quiet > SILENCE_MS) return say("silent", "no word from the server", Math.floor(quiet / 1000));
    if (this.redisDown) return say("redis-down", "Redis unavailable — retrying");
    if (!this.subscribed) return say("connecting", "connecting");
    if (this.state === "queued") return say("queued", "queued — waiting for a worker");
    if (this.workerSilent) {
      const seconds = this.workerSilent.seconds + (now - this.workerSilent.at) / 1000;
      return say("worker-silent", "worker not reporting", Math.floor(seconds));
    }
    return say("live", "live");
  }
}
