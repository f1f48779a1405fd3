// A build's states, as the server names them (app/store.py; a Python test
// checks that the two lists agree).

export const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/** Whether a build in `state` is over: nothing more will be printed. */
export function isFinished(state) {
  return FINISHED.has(state);
}
