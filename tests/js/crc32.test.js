// CRC-32 as zlib computes it: the check value, UTF-8 text, and running updates.
import assert from "node:assert/strict";
import { test } from "node:test";

import { crc32 } from "../../app/static/src/crc32.js";
import { LogChecksum } from "../../app/static/src/log-integrity.js";

const utf8 = (text) => new TextEncoder().encode(text);

test("the empty input is 0 and the standard check value is 0xCBF43926", () => {
  assert.equal(crc32(utf8("")), 0);
  assert.equal(crc32(utf8("123456789")), 0xcbf43926);
});

test("a non-ASCII line matches zlib.crc32 of its UTF-8 bytes", () => {
  // python3 -c 'import zlib; print(zlib.crc32("é\n".encode()))'
  assert.equal(crc32(utf8("é\n")), 4088930229);
  // python3 -c 'import zlib; print(zlib.crc32("✓ 日本語 ünïcödé 🎉\n".encode()))'
  assert.equal(crc32(utf8("✓ 日本語 ünïcödé 🎉\n")), 1103657405);
});

test("updating piece by piece equals computing in one go", () => {
  const text = "line 1\nlïne 2\n\nthe end ✓\n";
  const bytes = utf8(text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.equal(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut))), crc32(bytes), "cut at " + cut);
  }
});

test("a log checksum over batches of lines equals the CRC-32 of log.txt", () => {
  const checksum = new LogChecksum();
  checksum.add(["line 1", "line 2"]);
  checksum.add([]);
  checksum.add(["", "é"]);
  assert.equal(checksum.crc, crc32(utf8("line 1\nline 2\n\né\n")));
  assert.equal(checksum.lines, 4);
  // python3 -c 'import zlib; print(zlib.crc32(b"line 1\nline 2\n"))'
  const two = new LogChecksum();
  two.add(["line 1", "line 2"]);
  assert.equal(two.crc, 2235413505);
});
