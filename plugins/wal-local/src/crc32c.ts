/**
 * CRC-32C (Castagnoli, the polynomial of iSCSI, ext4 and most WALs), computed
 * with slicing-by-8 over eight 256-entry tables: eight bytes per step, which
 * makes it a few times faster than the one-table loop for the KiB-to-MiB
 * entries a WAL checksums. Node has no built-in CRC-32C (zlib.crc32 is the
 * other polynomial).
 *
 * @example
 * crc32c(Buffer.from('123456789')) === 0xe3069283
 */
const POLY = 0x82f63b78; // reflected 0x1EDC6F41

const TABLES: Int32Array[] = (() => {
  const t: Int32Array[] = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[0]![n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[0]![n]!;
    for (let k = 1; k < 8; k++) {
      c = t[0]![c & 0xff]! ^ (c >>> 8);
      t[k]![n] = c;
    }
  }
  return t;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/**
 * Continues a CRC-32C over `buf[start, end)`. Pass the previous result as
 * `crc` to checksum data in pieces (start with 0).
 */
export function crc32c(buf: Uint8Array, crc = 0, start = 0, end = buf.length): number {
  let c = ~crc;
  let i = start;
  // Slicing-by-8: fold eight bytes per iteration through the eight tables.
  const fast = end - ((end - i) & 7);
  while (i < fast) {
    const lo = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ c;
    c = T7[lo & 0xff]! ^ T6[(lo >>> 8) & 0xff]! ^ T5[(lo >>> 16) & 0xff]! ^ T4[lo >>> 24]!
      ^ T3[buf[i + 4]!]! ^ T2[buf[i + 5]!]! ^ T1[buf[i + 6]!]! ^ T0[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = T0[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
