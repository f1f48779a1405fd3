// Fetches what the server found in a build's log (annotations, page by page
// until its total, and steps) whenever the page (re)subscribes and once the
// build is over. Live `lines` events bring the rest; the page merges both and
// drops what it holds already, so asking twice is harmless.

export const PAGE_SIZE = 2000;
const RETRY_MS = 3000;
const MAX_RETRIES = 5;

export class MarksSync {
  /**
   * fetchJson(url) -> Promise of the parsed answer (rejected on any failure);
   * handlers: onAnnotations(annotations, counts), onSteps(steps).
   */
  constructor(buildId, fetchJson, handlers) {
    this.base = "/api/builds/" + buildId;
    this.fetchJson = fetchJson;
    this.handlers = handlers;
    this.cursor = 0; // annotations taken from the API, in its order (by line)
    this.running = null;
    this.again = false;
    this.failures = 0;
    this.synced = 0; // completed rounds
  }

  /** Fetch what is missing; resolves once the page holds what the server held when asked. */
  sync() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().then(
      () => {
        this.running = null;
        this.failures = 0;
        this.synced += 1;
        if (this.again) this.sync(); // asked for between the last round and now
      },
      (error) => {
        this.running = null;
        console.warn("could not fetch annotations or steps:", error);
        if (++this.failures <= MAX_RETRIES) setTimeout(() => this.sync(), RETRY_MS);
      },
    );
    return this.running;
  }

  async run() {
    do {
      this.again = false;
      await this.pageAnnotations();
      const answer = await this.fetchJson(this.base + "/steps");
      this.handlers.onSteps(Array.isArray(answer.steps) ? answer.steps : []);
    } while (this.again);
  }

  async pageAnnotations() {
    for (;;) {
      const answer = await this.fetchJson(this.base + "/annotations?after=" + this.cursor + "&limit=" + PAGE_SIZE);
      const annotations = Array.isArray(answer.annotations) ? answer.annotations : [];
      this.cursor += annotations.length;
      this.handlers.onAnnotations(annotations, answer.counts);
      if (!annotations.length || this.cursor >= Number(answer.total)) return;
    }
  }
}
