import * as arrow from 'apache-arrow';
import type { DataType, ScriptService, StoredScript, SystemTableProvider } from '@strata/kernel';

const S: DataType = { name: 'String' };
const TS: DataType = { name: 'TimestampMillisecond' };

/** Where GreptimeDB keeps its scripts table: `public.scripts` (of every schema's scripts). */
export const SCRIPTS_TABLE_DATABASE = 'public';
export const SCRIPTS_TABLE_NAME = 'scripts';

/**
 * The stored scripts as GreptimeDB's `scripts` table: `schema` (the script's
 * database), `name`, `engine` ('python'), `script` (the source),
 * `greptime_timestamp` (always 0, GreptimeDB's constant time index),
 * `gmt_created`, `gmt_modified`. Read-only, computed from the script service
 * on every query; submit and delete go through /v1/scripts and the service.
 *
 * @example
 * query.addSystemTable?.(scriptsTable(scriptService));
 * // SELECT name, script FROM public.scripts WHERE schema = 'public'
 */
export function scriptsTable(scripts: ScriptService): SystemTableProvider {
  return {
    database: SCRIPTS_TABLE_DATABASE,
    name: SCRIPTS_TABLE_NAME,
    columns: [
      { name: 'schema', type: S }, { name: 'name', type: S }, { name: 'engine', type: S }, { name: 'script', type: S },
      { name: 'greptime_timestamp', type: TS }, { name: 'gmt_created', type: TS }, { name: 'gmt_modified', type: TS },
    ],
    async rows() {
      const all = await scripts.list();
      if (all.length === 0) return [];
      const str = (f: (s: StoredScript) => string) => arrow.vectorFromArray(all.map(f), new arrow.Utf8());
      const ts = (f: (s: StoredScript) => number) => arrow.vectorFromArray(all.map(f), new arrow.TimestampMillisecond());
      return new arrow.Table({
        schema: str((s) => s.database),
        name: str((s) => s.name),
        engine: str((s) => s.language),
        script: str((s) => s.source),
        greptime_timestamp: ts(() => 0),
        gmt_created: ts((s) => s.createdAtMs),
        gmt_modified: ts((s) => s.updatedAtMs),
      }).batches;
    },
  };
}
