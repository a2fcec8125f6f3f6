import type { RegionId, Wal, WalEntry } from '@strata/kernel';

/** A test-only in-memory WAL: entries survive engine restarts while this object lives. */
export class MemoryWal implements Wal {
  readonly name = 'memory-wal';
  readonly entries = new Map<RegionId, WalEntry[]>();
  private last = new Map<RegionId, number>();
  obsoleted = new Map<RegionId, number>();

  /** When set, appends fail (a full or broken disk). */
  failAppends = false;
  /** When set, an append takes this long after its sequence is assigned (a slow fsync). */
  appendDelayMs = 0;

  async append(regionId: RegionId, payload: Uint8Array): Promise<number> {
    if (this.failAppends) throw new Error('disk full');
    const seq = (this.last.get(regionId) ?? 0) + 1;
    this.last.set(regionId, seq);
    const l = this.entries.get(regionId) ?? [];
    l.push({ regionId, sequence: seq, payload: payload.slice() });
    this.entries.set(regionId, l);
    await (this.appendDelayMs > 0 ? new Promise((r) => setTimeout(r, this.appendDelayMs)) : Promise.resolve());
    return seq;
  }

  async *replay(regionId: RegionId, fromSequence: number): AsyncIterable<WalEntry> {
    for (const e of this.entries.get(regionId) ?? []) if (e.sequence >= fromSequence) yield e;
  }

  async lastSequence(regionId: RegionId): Promise<number> { return this.last.get(regionId) ?? 0; }

  async obsolete(regionId: RegionId, upToSequence: number): Promise<void> {
    this.obsoleted.set(regionId, upToSequence);
    this.entries.set(regionId, (this.entries.get(regionId) ?? []).filter((e) => e.sequence > upToSequence));
  }

  async dropRegion(regionId: RegionId): Promise<void> { this.entries.delete(regionId); this.last.delete(regionId); }
}
