import type { Session } from './session.js';

/** What an ADMIN function answers: one value, shown as one row (GreptimeDB's shape). */
export type AdminFunctionResult = bigint | number | string;

/**
 * A function run by the SQL statement `ADMIN name(arg, ...)`, added by a
 * plugin with `QueryService.addAdminFunction` (the built-ins flush_table and
 * compact_table are the query service's own). Arguments are constants
 * (literals or constant expressions) evaluated before the call. The answer is
 * one row with one column named like the call, e.g. `create_trigger('t', ...)`:
 * a string gives a String column, a number or bigint a UInt64 (or Int64 when
 * negative).
 *
 * @example
 * query.addAdminFunction?.({
 *   name: 'drop_trigger',
 *   async call([name], session) { return (await triggers.drop(session.database, String(name))) ? 1 : 0; },
 * });
 * // ADMIN drop_trigger('cpu_alerts')
 */
export interface AdminFunction {
  /** Lower-case name, as written after ADMIN. */
  readonly name: string;
  readonly description?: string;
  call(args: readonly unknown[], session: Session): Promise<AdminFunctionResult> | AdminFunctionResult;
}
