import * as arrow from 'apache-arrow';
import type { DataType, SystemTableProvider } from '@strata/kernel';
import type { TriggerManager } from './trigger-manager.js';

const S: DataType = { name: 'String' };
const U: DataType = { name: 'UInt64' };
const B: DataType = { name: 'Boolean' };
const TS: DataType = { name: 'TimestampMillisecond' };

export const TRIGGERS_TABLE_DATABASE = 'information_schema';
export const TRIGGERS_TABLE_NAME = 'script_triggers';
export const TRIGGER_LOGS_TABLE_NAME = 'script_trigger_logs';

function strings(values: Array<string | null>): arrow.Vector {
  return arrow.vectorFromArray(values, new arrow.Utf8());
}

/**
 * `information_schema.script_triggers`: one row per trigger of every
 * database, with its counters since the server started. Read-only, computed
 * when queried; triggers are created and dropped with ADMIN functions or
 * /v1/triggers.
 *
 * @example
 * SELECT trigger_name, trigger_spec, runs, failures FROM information_schema.script_triggers
 */
export function triggersTable(triggers: TriggerManager): SystemTableProvider {
  return {
    database: TRIGGERS_TABLE_DATABASE,
    name: TRIGGERS_TABLE_NAME,
    columns: [
      { name: 'trigger_schema', type: S }, { name: 'trigger_name', type: S }, { name: 'script_name', type: S },
      { name: 'trigger_spec', type: S }, { name: 'trigger_arguments', type: S }, { name: 'disabled', type: B },
      { name: 'error_behavior', type: S }, { name: 'runs', type: U }, { name: 'failures', type: U }, { name: 'dropped', type: U },
      { name: 'skipped', type: U }, { name: 'queued', type: U }, { name: 'last_run', type: TS }, { name: 'last_error', type: S },
      { name: 'created', type: TS },
    ],
    rows() {
      const all = triggers.list();
      if (all.length === 0) return [];
      const u = (f: (t: typeof all[number]) => number) => arrow.vectorFromArray(all.map((t) => BigInt(f(t))), new arrow.Uint64());
      return new arrow.Table({
        trigger_schema: strings(all.map((t) => t.database)),
        trigger_name: strings(all.map((t) => t.name)),
        script_name: strings(all.map((t) => t.script)),
        trigger_spec: strings(all.map((t) => t.spec)),
        trigger_arguments: strings(all.map((t) => Object.entries(t.args).map(([k, v]) => `${k}=${v}`).join(','))),
        disabled: arrow.vectorFromArray(all.map((t) => t.disabled), new arrow.Bool()),
        error_behavior: strings(all.map((t) => t.errorBehavior)),
        runs: u((t) => t.runs),
        failures: u((t) => t.failures),
        dropped: u((t) => t.dropped),
        skipped: u((t) => t.skipped),
        queued: u((t) => t.queued),
        last_run: arrow.vectorFromArray(all.map((t) => t.lastRunAtMs ?? null), new arrow.TimestampMillisecond()),
        last_error: strings(all.map((t) => t.lastError ?? null)),
        created: arrow.vectorFromArray(all.map((t) => t.createdAtMs), new arrow.TimestampMillisecond()),
      }).batches;
    },
  };
}

/**
 * `information_schema.script_trigger_logs`: the last lines (option
 * `triggerLogLength`) of what triggers did: created, dropped, enabled,
 * failed runs with their error, dropped batches, skipped runs. In memory:
 * a restart empties it (the server log keeps the failures).
 */
export function triggerLogsTable(triggers: TriggerManager): SystemTableProvider {
  return {
    database: TRIGGERS_TABLE_DATABASE,
    name: TRIGGER_LOGS_TABLE_NAME,
    columns: [
      { name: 'event_time', type: TS }, { name: 'trigger_schema', type: S }, { name: 'trigger_name', type: S },
      { name: 'log_level', type: S }, { name: 'log_text', type: S },
    ],
    rows() {
      const all = [...triggers.logs()];
      if (all.length === 0) return [];
      return new arrow.Table({
        event_time: arrow.vectorFromArray(all.map((l) => l.timeMs), new arrow.TimestampMillisecond()),
        trigger_schema: strings(all.map((l) => l.database)),
        trigger_name: strings(all.map((l) => l.trigger)),
        log_level: strings(all.map((l) => l.level)),
        log_text: strings(all.map((l) => l.text)),
      }).batches;
    },
  };
}
