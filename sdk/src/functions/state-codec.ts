const enc = new TextEncoder();
const dec = new TextDecoder();

const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/**
 * Default codec for aggregate states: JSON with bigints, typed arrays, Maps
 * and Sets tagged, so a partial state can cross processes and come back
 * equal. States with other classes need their own serialize/deserialize.
 */
export function serializeState(state: unknown): Uint8Array {
  return enc.encode(JSON.stringify(state, function (this: unknown, k, v) {
    const raw = (this as Record<string, unknown>)[k];
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    if (raw instanceof Float64Array) return { $f64: b64(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)) };
    if (raw instanceof Uint8Array) return { $u8: b64(raw) };
    if (raw instanceof Map) return { $map: [...raw] };
    if (raw instanceof Set) return { $set: [...raw] };
    if (typeof raw === 'number' && !Number.isFinite(raw)) return { $num: String(raw) };
    return v;
  }));
}

export function deserializeState<S>(b: Uint8Array): S {
  return JSON.parse(dec.decode(b), (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (typeof v.$bigint === 'string') return BigInt(v.$bigint);
      if (typeof v.$f64 === 'string') { const u = bytes(v.$f64); return new Float64Array(u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength)); }
      if (typeof v.$u8 === 'string') return bytes(v.$u8);
      if (Array.isArray(v.$map)) return new Map(v.$map);
      if (Array.isArray(v.$set)) return new Set(v.$set);
      if (typeof v.$num === 'string') return Number(v.$num);
    }
    return v;
  }) as S;
}
