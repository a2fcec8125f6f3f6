/**
 * A deterministic pseudo-random generator (mulberry32): the same seed gives
 * the same sequence of numbers in [0, 1) on every run. For randomized tests
 * that must reproduce a failure from its seed, benches and sampling; not for
 * anything that needs unpredictability.
 *
 * @example
 * const r = seededRandom(42);
 * const x = r(); // always the same first number for seed 42
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
