/**
 * The quorum arithmetic of a BookKeeper-style ledger. E nodes (the
 * ensemble), each entry stored on W of them (its write set, striped
 * round-robin), acknowledged once AQ of those have fsynced it.
 */
export interface QuorumShape {
  readonly ensemble: number;
  readonly writeQuorum: number;
  readonly ackQuorum: number;
}

/** Node indexes storing entry `id` (ids start at 1). */
export function writeSetOf(shape: QuorumShape, id: number): number[] {
  const out: number[] = [];
  const start = (id - 1) % shape.ensemble;
  for (let k = 0; k < shape.writeQuorum; k++) out.push((start + k) % shape.ensemble);
  return out;
}

/**
 * How many nodes a new writer must fence (and read from) so that every
 * write set keeps fewer than AQ unfenced nodes: the old writer can then never
 * again complete an ack quorum. E - AQ + 1 leaves at least W - AQ + 1 fenced
 * nodes in each write set of size W.
 */
export function fenceQuorumOf(shape: QuorumShape): number {
  return shape.ensemble - shape.ackQuorum + 1;
}

/** Missing-entry votes (in its write set) that prove an entry was never acknowledged: W - AQ + 1. */
export function absentQuorumOf(shape: QuorumShape): number {
  return shape.writeQuorum - shape.ackQuorum + 1;
}

/**
 * The ledger list of a region: [epoch, firstEntryId] pairs, ascending. The
 * writer of epoch e owns ids from its first id up to the next pair's first
 * id - 1. A stored copy of an entry is valid only when written under the
 * epoch that owns its id, which is how a tail cut off by recovery stays cut
 * off even when a node that was away comes back with it.
 */
export type LedgerList = ReadonlyArray<readonly [epoch: number, firstId: number]>;

/** The epoch that owns `id`, or 0 when no ledger covers it. */
export function ownerOf(ledgers: LedgerList, id: number): number {
  for (let i = ledgers.length - 1; i >= 0; i--) if (ledgers[i]![1] <= id) return ledgers[i]![0];
  return 0;
}

/** The last epoch of a list (0 for none); lists compare by it. */
export function lastEpochOf(ledgers: LedgerList): number {
  return ledgers.length === 0 ? 0 : ledgers[ledgers.length - 1]![0];
}

/** Checks the shape once at startup. */
export function shapeProblem(shape: QuorumShape): string | undefined {
  if (shape.writeQuorum > shape.ensemble) return `writeQuorum ${shape.writeQuorum} > number of nodes ${shape.ensemble}`;
  if (shape.ackQuorum > shape.writeQuorum) return `ackQuorum ${shape.ackQuorum} > writeQuorum ${shape.writeQuorum}`;
  return undefined;
}
