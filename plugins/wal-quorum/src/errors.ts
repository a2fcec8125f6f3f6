import { CorruptionError, IllegalStateError, InvalidArgumentsError, StorageError } from '@strata/kernel';

export { CorruptionError, IllegalStateError, InvalidArgumentsError, StorageError };

/**
 * This writer was fenced: a newer writer (higher epoch) opened the region's
 * log on a quorum of nodes, so this writer can never again get an
 * acknowledgement for it. Appends in flight and all later ones fail with it.
 * Not retryable by this writer; the region now belongs to the other one.
 */
export class WalFencedError extends IllegalStateError {
  readonly reason = 'fenced' as const;
  constructor(readonly regionId: string, readonly epoch: number, readonly fencedByEpoch: number) {
    super(`wal-quorum: region ${regionId}: this writer (epoch ${epoch}) was fenced by a newer writer (epoch ${fencedByEpoch}); its appends can no longer be acknowledged`);
  }
}

/**
 * Fewer nodes than the ack quorum answered in time. The outcome of the
 * failed append is unknown (it may be on some nodes): the next operation on
 * the region re-opens it (new epoch, recovery), which decides once and for
 * all whether the entry is in the log; `lastSequence` then tells.
 */
export class WalQuorumUnavailableError extends StorageError {
  readonly reason = 'quorum-unavailable' as const;
  constructor(message: string, opts?: { cause?: unknown }) {
    super(`wal-quorum: ${message}`, opts);
  }
}
