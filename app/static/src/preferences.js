// What a reader chose on the build page (timestamps, wrapping long lines), kept
// in local storage so the next build they open shows the same way. Storage may
// be missing or refuse (private windows, full quota): the page then simply
// forgets, it never fails.

const PREFIX = "buildtail.";

/** The stored choice `name`, if it is one of `allowed`; else `fallback`. */
export function readPreference(storage, name, allowed, fallback) {
  let value = null;
  try {
    value = storage ? storage.getItem(PREFIX + name) : null;
  } catch {
    value = null;
  }
  return allowed.includes(value) ? value : fallback;
}

/** Remember `value` for `name`; false when the storage refused it. */
export function writePreference(storage, name, value) {
  try {
    if (!storage) return false;
    storage.setItem(PREFIX + name, value);
    return true;
  } catch {
    return false;
  }
}
