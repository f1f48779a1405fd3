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
