// Times the page's running checksum (LogChecksum) over LINES lines in batches of
// BATCH, the way the page takes `lines` messages; prints JSON.
import { LogChecksum } from "../app/static/src/log-integrity.js";

const total = Number(process.argv[2] || 1000000);
const batch = Number(process.argv[3] || 5000);
const stamp = Number(process.argv[4] || Date.now());
const batches = [];
for (let first = 1; first <= total; first += batch) {
  const lines = [];
  for (let n = first; n < Math.min(first + batch, total + 1); n++) lines.push(stamp + " line " + n);
  batches.push(lines);
}
const checksum = new LogChecksum();
const started = process.hrtime.bigint();
for (const lines of batches) checksum.add(lines);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(JSON.stringify({ lines: checksum.lines, crc: checksum.crc, ms }));
