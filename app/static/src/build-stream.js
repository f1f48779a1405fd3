// The page's Socket.IO subscription to one build: subscribe with how many lines
// the page holds, again after every reconnect, and again with backoff while the
// server cannot reach Redis. Every event about the build goes to the page.
import { REDIS_DOWN_ERROR } from "./connection-status.js";

export const RETRY_FIRST_MS = 1000;
export const RETRY_MAX_MS = 10000;

export class BuildStream {
  /**
   * socket: a Socket.IO client socket on /builds. handlers: held() (how many
   * lines the page has), onConnect(), onDisconnect(), onAck(ack),
   * onLines(message), onStatus(build), onHealth(message) and, optionally,
   * onPartial(message) for a line still being drawn.
   */
  constructor(socket, buildId, handlers) {
    this.socket = socket;
    this.buildId = buildId;
    this.handlers = handlers;
    this.retryMs = RETRY_FIRST_MS;
    this.retryTimer = null;
    this.attempt = 0; // acks of earlier attempts are stale

    socket.on("connect", () => {
      this.cancelRetry();
      this.retryMs = RETRY_FIRST_MS;
      handlers.onConnect();
      this.subscribe();
    });
    const down = () => {
      this.cancelRetry();
      this.attempt += 1;
      handlers.onDisconnect();
    };
    socket.on("disconnect", down);
    socket.on("connect_error", down);
    socket.io.on("reconnect_attempt", down);
    const mine = (handler) => (message) => {
      if (message && message.build === buildId) handler(message);
    };
    socket.on("lines", mine(handlers.onLines));
    socket.on("health", mine(handlers.onHealth));
    if (handlers.onPartial) socket.on("partial", mine(handlers.onPartial));
    socket.on("status", (build) => {
      if (build && build.id === buildId) handlers.onStatus(build);
    });    // The socket may have connected while the page read the log's tail.
    if (socket.connected) {
      handlers.onConnect();
      this.subscribe();
    }
  }

  subscribe() {
    const attempt = ++this.attempt;
    const request = { build: this.buildId, after: this.handlers.held() };
    this.socket.emit("subscribe", request, (ack) => {
      if (attempt !== this.attempt) return;
      this.handlers.onAck(ack);
      if (ack && ack.ok) this.retryMs = RETRY_FIRST_MS;
      else if (ack && ack.error === REDIS_DOWN_ERROR) this.retryLater();
    });
  }

  /** Start over from what the page holds, as after a reconnect. */
  resubscribe() {
    this.cancelRetry();
    this.socket.emit("unsubscribe", { build: this.buildId });
    this.subscribe();
  }

  retryLater() {
    this.cancelRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.socket.connected) this.subscribe();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  cancelRetry() {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Nothing more will come: stop listening. */
  close() {
    this.cancelRetry();
    this.socket.disconnect();
  }
}
