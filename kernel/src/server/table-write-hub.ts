import type { Logger } from '../interfaces/logger.js';
import type { TableWriteEvent, TableWriteListener, TableWrites } from '../interfaces/table-write.js';

/**
 * The kernel's TableWrites: a set of listeners, each called on the next turn
 * of the event loop (setImmediate) so the writer's acknowledgement goes out
 * first and nothing a listener does runs on the write path.
 */
export class TableWriteHub implements TableWrites {
  private readonly listeners = new Set<TableWriteListener>();

  constructor(private readonly logger?: Logger) {}

  get active(): boolean {
    return this.listeners.size > 0;
  }

  add(listener: TableWriteListener): () => void {
    // a wrapper per add, so adding the same function twice gives two independent subscriptions
    const entry: TableWriteListener = (e) => listener(e);
    this.listeners.add(entry);
    return () => { this.listeners.delete(entry); };
  }

  publish(event: TableWriteEvent): void {
    if (this.listeners.size === 0) return;
    const targets = [...this.listeners];
    setImmediate(() => {
      for (const l of targets) {
        if (!this.listeners.has(l)) continue; // removed since the write
        try {
          l(event);
        } catch (err) {
          this.logger?.error({ err, database: event.database, table: event.table }, 'table write listener failed');
        }
      }
    });
  }
}
