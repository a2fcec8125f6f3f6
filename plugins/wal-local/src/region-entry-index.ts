/**
 * Where one region's entries sit in one segment: (offset, length, sequence)
 * per entry, in file order, in one growable Float64Array (24 bytes an
 * entry, no per-entry objects). Replay uses it to read just the region's
 * entries — and to skip those below the requested sequence without reading
 * them — instead of scanning a log shared with every other region.
 */
export class RegionEntryIndex {
  private data = new Float64Array(3 * 16);
  private n = 0;

  get count(): number { return this.n; }
  get minSequence(): number { return this.n === 0 ? 0 : this.data[2]!; }
  get maxSequence(): number { return this.n === 0 ? 0 : this.data[3 * this.n - 1]!; }

  offset(i: number): number { return this.data[3 * i]!; }
  length(i: number): number { return this.data[3 * i + 1]!; }
  sequence(i: number): number { return this.data[3 * i + 2]!; }

  push(offset: number, length: number, sequence: number): void {
    if (3 * (this.n + 1) > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const at = 3 * this.n;
    this.data[at] = offset;
    this.data[at + 1] = length;
    this.data[at + 2] = sequence;
    this.n++;
  }

  /** The first entry with sequence >= `sequence` among the first `count` (sequences increase). */
  lowerBound(sequence: number, count = this.n): number {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.data[3 * mid + 2]! < sequence) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
}
