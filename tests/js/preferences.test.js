// A reader's choices survive a reload, and a storage that refuses breaks nothing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { readPreference, writePreference } from "../../app/static/src/preferences.js";

class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
}

const refusing = {
  getItem() { throw new Error("SecurityError"); },
  setItem() { throw new Error("QuotaExceededError"); },
};

test("a stored choice is read back", () => {
  const storage = new MemoryStorage();
  assert.equal(readPreference(storage, "wrap", ["on", "off"], "off"), "off");
  assert.equal(writePreference(storage, "wrap", "on"), true);
  assert.equal(storage.getItem("buildtail.wrap"), "on");
  assert.equal(readPreference(storage, "wrap", ["on", "off"], "off"), "on");
});

test("a value that is not a choice falls back", () => {
  const storage = new MemoryStorage();
  storage.setItem("buildtail.timestamps", "sideways");
  assert.equal(readPreference(storage, "timestamps", ["off", "elapsed", "clock"], "off"), "off");
});

test("a storage that refuses, or none, is forgotten quietly", () => {
  assert.equal(readPreference(refusing, "wrap", ["on", "off"], "off"), "off");
  assert.equal(writePreference(refusing, "wrap", "on"), false);
  assert.equal(readPreference(null, "wrap", ["on", "off"], "on"), "on");
  assert.equal(writePreference(undefined, "wrap", "on"), false);
});
