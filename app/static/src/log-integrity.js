// Whether the page's copy of a finished log is the log the server stored: a
// running CRC-32 of the lines received, compared with the build's `log_crc32`
// (zlib.crc32 of log.txt: each line's UTF-8 text followed by "\n").
import { crc32 } from "./crc32.js";

const encoder = new TextEncoder();

export class LogChecksum {
  constructor() {
    this.crc = 0;
    this.lines = 0;
  }

  /** Take in the next lines, in order; one encoding per batch, not per line. */
  add(lines) {
    if (!lines.length) return;
    this.crc = crc32(encoder.encode(lines.join("\n") + "\n"), this.crc);
    this.lines += lines.length;
  }
}

/** "verified", "mismatch", or "unverifiable" when the build has no stored checksum. */
export function verdictOf(build, checksum) {
  if (typeof build.log_crc32 !== "number") return "unverifiable";
  return build.log_crc32 === checksum.crc && build.lines === checksum.lines ? "verified" : "mismatch";
}

function countLines(count) {
  return count.toLocaleString("en") + (count === 1 ? " line" : " lines");
}

/** What the page says about a finished log, given its verdict. */
export function integrityText(verdict, build, checksum) {
  if (verdict === "verified") return "complete · " + countLines(checksum.lines) + " · verified";
  if (verdict === "unverifiable") return "complete · " + countLines(checksum.lines);
  const counts = build.lines === checksum.lines ? "" : " (" + countLines(checksum.lines) + " here, " + build.lines.toLocaleString("en") + " stored)";
  return "this copy differs from the stored log" + counts;
}

// Logs up to this long are read through once finished, to check the page's
// copy whole; a longer one is checked when the reader asks ("Verify").
export const AUTO_VERIFY_LINES = 100000;
const READ_THROUGH_LINES = 10000;

/** Take in the lines `model` (a LogModel) holds right after those the checksum covers. */
export function catchUp(checksum, model) {
  while (checksum.lines < model.count) {
    const run = model.heldRun(checksum.lines + 1);
    if (!run.length) return;
    checksum.add(run);
  }
}

/**
 * Read lines the checksum has not covered yet from `url` (the log API), in
 * order, up to `total`, taking what the model holds without asking again.
 * While an answer is on its way the checksum may grow from lines the model
 * loaded meanwhile: only the part of the answer past them is added.
 * onProgress(lines) after each answer.
 */
export async function readThrough(checksum, model, total, fetchJson, url, onProgress) {
  while (checksum.lines < total) {
    catchUp(checksum, model);
    if (checksum.lines >= total) break;
    const answer = await fetchJson(url + "?after=" + checksum.lines + "&limit=" + READ_THROUGH_LINES);
    const covered = checksum.lines + 1 - answer.first; // of the answer's lines
    if (!answer.lines.length || covered < 0) break; // the end, or a gap: the verdict says so
    checksum.add(answer.lines.slice(covered, covered + total - checksum.lines));
    onProgress(checksum.lines);
  }
}
