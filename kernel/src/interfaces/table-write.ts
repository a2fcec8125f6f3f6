import type * as arrow from 'apache-arrow';
import type { Session } from './session.js';

/**
 * Rows that were written to a table and acknowledged: the columns the writer
 * gave (a subset of the table's, in the table's Arrow types), one event per
 * insert request or INSERT statement.
 */
export interface TableWriteEvent {
  readonly database: string;
  readonly table: string;
  readonly batch: arrow.RecordBatch;
  /** The writer's session (its channel, user and variables). */
  readonly session: Session;
}

/**
 * Called with every acknowledged write. It runs after the write is durable,
 * off the writer's path, and must return quickly: copy what it needs into its
 * own bounded queue and do the work later. What it throws is logged and
 * otherwise ignored, so a listener can never fail or slow down a write.
 */
export type TableWriteListener = (event: TableWriteEvent) => void;

/**
 * Table write notifications: the kernel binds one in every server (under
 * TABLE_WRITES); the query service publishes each acknowledged write, and
 * plugins (the Python triggers of coprocessor-python) listen. With no
 * listener, publishing costs one property read.
 *
 * ```
 *  insert ─▶ engine.write (WAL + memtable) ─▶ ack ─▶ publish ─(setImmediate)─▶ listener ─▶ its own queue
 * ```
 *
 * @example
 * const remove = ctx.get(TABLE_WRITES).add((e) => {
 *   if (e.table === 'cpu') queue.offer(e.batch);
 * });
 * // in stop(): remove();
 */
export interface TableWrites {
  /** True when at least one listener is registered; writers skip building events otherwise. */
  readonly active: boolean;
  /** Adds a listener; returns a function that removes it. */
  add(listener: TableWriteListener): () => void;
  /** Delivers an acknowledged write to every listener, asynchronously. Never throws. */
  publish(event: TableWriteEvent): void;
}
