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

/**
 * One step of a region's ledger metadata (BookKeeper's LedgerMetadata, kept as
 * a sequence of changes decided one position at a time, see quorum-wal.ts):
 *
 * - `ledger`: writer epoch `e` owns ids from `first` on, written to ensemble `ens`
 *   (a new writer after recovery; everything below `first` is acknowledged);
 * - `frag`: an ensemble change inside the current ledger — ids from `first` on go to
 *   `ens` (everything below `first` was acknowledged before the change);
 * - `drop`: the region was dropped by epoch `e`; ids restart at 1 under it.
 *
 * `ens` lists node addresses by write-set position; a change replaces a node at its position.
 */
export interface MetaElement {
  readonly t: 'ledger' | 'frag' | 'drop';
  readonly e?: number;
  readonly first: number;
  readonly ens: readonly string[];
}

/** The elements that describe the live log: those from the last drop on. */
function liveElements(elements: readonly MetaElement[]): readonly MetaElement[] {
  for (let i = elements.length - 1; i >= 0; i--) if (elements[i]!.t === 'drop') return elements.slice(i);
  return elements;
}

/** The ledger list (epoch, first id) of the live log. */
export function ledgersOf(elements: readonly MetaElement[]): LedgerList {
  return liveElements(elements).filter((x) => x.t !== 'frag').map((x) => [x.e ?? 0, x.first] as const);
}

/** A fragment: ids from `first` (up to the next fragment's first - 1) live on `ens`. */
export interface Fragment { readonly first: number; readonly ens: readonly string[] }

/** The fragments of the live log, in order; `initial` is the ensemble before any element. */
export function fragmentsOf(elements: readonly MetaElement[], initial: readonly string[]): Fragment[] {
  const live = liveElements(elements);
  const out: Fragment[] = live.length > 0 && live[0]!.t === 'drop' ? [] : [{ first: 1, ens: initial }];
  for (const x of live) out.push({ first: x.first, ens: x.ens });
  return out;
}

/** The fragment holding `id` (the last one starting at or below it). */
export function fragmentOf(frags: readonly Fragment[], id: number): Fragment {
  for (let i = frags.length - 1; i >= 0; i--) if (frags[i]!.first <= id) return frags[i]!;
  return frags[0]!;
}

/** The ensemble new entries go to. */
export function currentEnsembleOf(elements: readonly MetaElement[], initial: readonly string[]): readonly string[] {
  return elements.length === 0 ? initial : elements[elements.length - 1]!.ens;
}

function sameElement(a: MetaElement, b: MetaElement): boolean {
  return a.t === b.t && (a.e ?? 0) === (b.e ?? 0) && a.first === b.first && a.ens.length === b.ens.length && a.ens.every((x, i) => x === b.ens[i]);
}

/** Is `a` a prefix of `b` (equal elements at every position of `a`)? */
export function isPrefixOf(a: readonly MetaElement[], b: readonly MetaElement[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameElement(a[i]!, b[i]!)) return false;
  return true;
}

/** How many drops a metadata list holds: LAC, floor and entries of a node are of the log after its last one. */
export function dropsIn(elements: readonly MetaElement[]): number {
  let n = 0;
  for (const x of elements) if (x.t === 'drop') n++;
  return n;
}
