import type { RegionId } from './engine.js';

/** One entry read back from a WAL. */
export interface WalEntry {
  readonly regionId: RegionId;
  /** Strictly increasing per region, starting at 1. */
  readonly sequence: number;
  /** The engine's opaque encoding of a write (e.g. Arrow IPC). */
  readonly payload: Uint8Array;
}

/** How appends reach the disk. */
export type WalSyncMode = 'always' | 'interval' | 'none';

/**
 * A durable, ordered log per region.
 *
 * Contract:
 * - `append` resolves only when the entry is as durable as the sync mode
 *   promises ('always': fsynced; concurrent appends share one fsync — group
 *   commit). The sequence it returns is one more than the region's last.
 * - `replay(region, from)` yields every entry with sequence >= `from` that
 *   was acknowledged and not obsoleted, in sequence order. A torn or corrupt
 *   tail is cut at the last valid entry and reported, never thrown forever.
 * - `obsolete(region, upTo)` lets the WAL delete entries <= `upTo` (they are
 *   in SSTs now).
 *
 * ```
 *  engine.write ──append──▶ [ buffer ] ──group fsync──▶ ack all waiters
 *  engine.open  ──replay(from = flushedSeq+1)──▶ memtable
 *  engine.flush ──obsolete(flushedSeq)──▶ old segments deleted
 * ```
 */
export interface Wal {
  readonly name: string;
  append(regionId: RegionId, payload: Uint8Array): Promise<number>;
  replay(regionId: RegionId, fromSequence: number): AsyncIterable<WalEntry>;
  /** The last sequence written for a region (0 when none). */
  lastSequence(regionId: RegionId): Promise<number>;
  obsolete(regionId: RegionId, upToSequence: number): Promise<void>;
  /** Forgets a region entirely (DROP TABLE). */
  dropRegion(regionId: RegionId): Promise<void>;
  /**
   * Optional: the WAL's health for operators, JSON-serializable (e.g. a
   * replicated WAL's nodes and degraded regions). Shown under `wal` in the
   * HTTP `/status` answer.
   */
  status?(): Readonly<Record<string, unknown>>;
}
