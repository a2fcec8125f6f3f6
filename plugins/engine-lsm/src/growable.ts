/** A typed array constructor (for growable columns). */
export type TypedArrayCtor =
  | Int8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor
  | Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor
  | Float32ArrayConstructor | Float64ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

export type AnyTypedArray =
  | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/**
 * Grows a typed array to hold at least `needed` elements, doubling. The old
 * array is never written again, so readers holding it (scan snapshots) keep a
 * consistent prefix.
 */
export function grow<T extends AnyTypedArray>(arr: T, needed: number): T {
  if (needed <= arr.length) return arr;
  let cap = Math.max(arr.length * 2, 1024);
  while (cap < needed) cap *= 2;
  const out = new (arr.constructor as { new(n: number): T })(cap);
  (out as unknown as { set(a: T): void }).set(arr);
  return out;
}
