/**
 * JSON that keeps bigints exact: a bigint is written as `{"$bigint":"<digits>"}`
 * and read back as a bigint. Column defaults (BIGINT, UNSIGNED, timestamps)
 * are bigints, and the catalog and the engine's manifests both store them;
 * plain JSON.stringify throws on a bigint.
 */
export function stringifyWithBigInts(value: unknown, space?: number): string {
  return JSON.stringify(value, (_k, x: unknown) => (typeof x === 'bigint' ? { $bigint: x.toString() } : x), space);
}

/** Reads what stringifyWithBigInts wrote (and plain JSON). */
export function parseWithBigInts(text: string): unknown {
  return JSON.parse(text, (_k, x: unknown) => {
    if (x !== null && typeof x === 'object' && typeof (x as { $bigint?: unknown }).$bigint === 'string' && Object.keys(x).length === 1) return BigInt((x as { $bigint: string }).$bigint);
    return x;
  });
}
