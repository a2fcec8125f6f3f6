import * as arrow from 'apache-arrow';
import { grow } from './growable.js';

const decoder = new TextDecoder();

/**
 * Interns one tag column's values into small integer ids (0 = null), so a
 * series is a tuple of ints. Utf8 values are hashed straight from the Arrow
 * buffer and decoded to a JS string only the first time they are seen.
 */
export class TagInterner {
  /** Value of each id; id 0 is null. */
  readonly values: unknown[] = [null];
  /** Approximate bytes held (for memtable accounting). */
  bytes = 0;
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  /** UTF-8 bytes of every interned string, back to back (one arena, not one Uint8Array each). */
  private arena = new Uint8Array(4096);
  private arenaUsed = 0;
  /** Arena start of id i is starts[i], its end starts[i + 1]; non-strings take no bytes. */
  private starts = new Int32Array(1024);
  private map = new Map<unknown, number>();

  get size(): number { return this.values.length; }

  /**
   * The UTF-8 bytes of string id `id` (a view of the arena, which is only
   * ever appended to, so the view stays right when the arena grows); null
   * for id 0 and for values that are not strings.
   */
  bytesOf(id: number): Uint8Array | null {
    if (id === 0 || typeof this.values[id] !== 'string') return null;
    return this.arena.subarray(this.starts[id]!, this.starts[id + 1]!);
  }

  /** Ids of every row of a tag vector, written into `out`. */
  internVector(vec: arrow.Vector, out: Int32Array): void {
    const n = vec.length;
    const data = vec.data;
    if (data.length === 1 && vec.type.typeId === arrow.Type.Utf8) {
      const d = data[0]!;
      const offs = d.valueOffsets as Int32Array;
      const buf = d.values as Uint8Array;
      const base = d.offset;
      const nullable = d.nullCount > 0;
      let ps = -1, pe = -1, pid = 0;
      for (let i = 0; i < n; i++) {
        if (nullable && !valid(d, i)) { out[i] = 0; continue; }
        const s = offs[base + i]!, e = offs[base + i + 1]!;
        // Runs of one value are common (rows of one series): skip the hash.
        if (e - s === pe - ps && equalRange(buf, s, ps, e - s)) { out[i] = pid; continue; }
        pid = this.internUtf8(buf, s, e);
        ps = s; pe = e;
        out[i] = pid;
      }
      return;
    }
    if (data.length === 1 && arrow.DataType.isDictionary(vec.type)) {
      const d = data[0]!;
      const dict = d.dictionary!;
      const ids = new Int32Array(dict.length);
      for (let j = 0; j < dict.length; j++) ids[j] = this.internValue(dict.get(j));
      const idx = d.values as Int32Array;
      const nullable = d.nullCount > 0;
      for (let i = 0; i < n; i++) out[i] = nullable && !valid(d, i) ? 0 : ids[Number(idx[d.offset + i])]!;
      return;
    }
    for (let i = 0; i < n; i++) out[i] = this.internValue(vec.get(i));
  }

  /** The id of one value (strings, numbers, bigints, booleans). */
  internValue(v: unknown): number {
    if (v === null || v === undefined) return 0;
    if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8');
      return this.internUtf8(b, 0, b.length);
    }
    const key = v instanceof Uint8Array ? `b:${Buffer.from(v).toString('latin1')}` : v;
    let id = this.map.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.starts = grow(this.starts, id + 2);
      this.starts[id + 1] = this.arenaUsed;
      this.hashes = grow(this.hashes, id + 1);
      this.map.set(key, id);
      this.bytes += 64;
    }
    return id;
  }

  private internUtf8(buf: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5 | 0; // int32 from the start: an empty string never goes through Math.imul
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    const len = e - s;
    for (;;) {
      const id = this.slots[slot]!;
      if (id === 0) break;
      if (this.hashes[id] === h) {
        const a = this.starts[id]!;
        if (this.starts[id + 1]! - a === len && equalRange2(this.arena, a, buf, s, len)) return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.values.length;
    this.arena = grow(this.arena, this.arenaUsed + len);
    this.arena.set(buf.subarray(s, e), this.arenaUsed);
    this.values.push(decoder.decode(buf.subarray(s, e)));
    this.starts = grow(this.starts, id + 2);
    this.starts[id] = this.arenaUsed;
    this.arenaUsed += len;
    this.starts[id + 1] = this.arenaUsed;
    this.hashes = grow(this.hashes, id + 1);
    this.hashes[id] = h;
    this.slots[slot] = id;
    // Arena bytes + the decoded JS string + hash, offsets and table slots.
    this.bytes += 2 * len + 56;
    if (id * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 1; id < this.values.length; id++) {
      if (typeof this.values[id] !== 'string') continue;
      let slot = this.hashes[id]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.slots = slots;
  }
}

function valid(d: arrow.Data, i: number): boolean {
  const j = d.offset + i;
  return (d.nullBitmap![j >> 3]! & (1 << (j & 7))) !== 0;
}

function equalRange(buf: Uint8Array, a: number, b: number, len: number): boolean {
  if (b < 0) return false;
  for (let i = 0; i < len; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

function equalRange2(a: Uint8Array, as: number, b: Uint8Array, bs: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}
