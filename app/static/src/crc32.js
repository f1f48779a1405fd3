// CRC-32 with the IEEE polynomial (as zlib.crc32, gzip and PNG compute it), so the
// page can check the lines it received against the checksum the server stored.

const POLYNOMIAL = 0xedb88320; // 0x04C11DB7, bit-reversed

const TABLE = new Uint32Array(256);
for (let byte = 0; byte < 256; byte++) {
  let value = byte;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? POLYNOMIAL ^ (value >>> 1) : value >>> 1;
  TABLE[byte] = value;
}

/**
 * The CRC-32 of `bytes` (a Uint8Array), continuing from `crc`, the CRC-32 of
 * everything before them (0 to start). An unsigned 32-bit integer, like zlib's.
 */
export function crc32(bytes, crc = 0) {
  let value = ~crc;
  for (let i = 0; i < bytes.length; i++) value = TABLE[(value ^ bytes[i]) & 0xff] ^ (value >>> 8);
  return ~value >>> 0;
}
