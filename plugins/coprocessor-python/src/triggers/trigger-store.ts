import type { TriggerDefinition } from '@strata/kernel';
import { NamedJsonStore } from '../named-json-store.js';

/** A trigger as stored: its definition, not its counters (those restart at zero). */
export interface StoredTrigger extends TriggerDefinition {
  readonly updatedAtMs: number;
}

function valid(t: StoredTrigger): boolean {
  return typeof t.database === 'string' && typeof t.name === 'string' && typeof t.script === 'string' && typeof t.spec === 'string'
    && typeof t.disabled === 'boolean' && (t.errorBehavior === 'log' || t.errorBehavior === 'disable')
    && typeof t.args === 'object' && t.args !== null && Object.values(t.args).every((v) => typeof v === 'string')
    && Number.isFinite(t.createdAtMs) && Number.isFinite(t.updatedAtMs);
}

/**
 * Trigger definitions in `triggers.json` next to the stored scripts, replaced
 * atomically on every change (see NamedJsonStore), so a crash leaves the old
 * or the new set, never a torn file.
 */
export class TriggerStore extends NamedJsonStore<StoredTrigger> {
  constructor(dir: string, fsync = true) {
    super(dir, { file: 'triggers.json', listKey: 'triggers', version: 1, noun: 'trigger', valid }, fsync);
  }
}
