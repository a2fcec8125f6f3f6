import { cpus, hostname, totalmem } from 'node:os';
import { dataTypeDisplayName, isInteger, type DataType } from '../data/data-types.js';
import { GREPTIME_INDEX_TYPES, indexKindsOf } from '../data/column-index-options.js';
import { formatDurationHuman, parseDurationMs } from '../catalog/store-catalog.js';
import type { Catalog, TableInfo } from '../interfaces/catalog.js';
import type { StorageEngine } from '../interfaces/engine.js';
import type { FunctionRegistry } from '../interfaces/function.js';
import type { Metrics } from '../interfaces/metrics.js';
import type { Session } from '../interfaces/session.js';
import type { SystemTableProvider } from '../interfaces/system-table.js';
import { InvalidArgumentsError, TableNotFoundError } from '../errors/errors.js';
import { KERNEL_VERSION } from '../version.js';
import { columnFromArrow, columnFromValues, type Batch } from './exec/column.js';
import { newField, type Plan } from './plan/logical-plan.js';
import { PG_CATALOG, pgCatalogTables } from './pg-catalog.js';
import type { ProcessList } from './process-list.js';

/** MySQL-style lower-case type name (SHOW COLUMNS, information_schema.columns data_type), as GreptimeDB shows it. */
export function sqlTypeName(t: DataType): string {
  switch (t.name) {
    case 'String': return 'string';
    case 'Float64': return 'double';
    case 'Float32': return 'float';
    case 'Int64': return 'bigint';
    case 'Int32': return 'int';
    case 'Int16': return 'smallint';
    case 'Int8': return 'tinyint';
    case 'UInt64': return 'bigint unsigned';
    case 'UInt32': return 'int unsigned';
    case 'UInt16': return 'smallint unsigned';
    case 'UInt8': return 'tinyint unsigned';
    case 'Boolean': return 'boolean';
    case 'TimestampSecond': return 'timestamp(0)';
    case 'TimestampMillisecond': return 'timestamp(3)';
    case 'TimestampMicrosecond': return 'timestamp(6)';
    case 'TimestampNanosecond': return 'timestamp(9)';
    default: return dataTypeDisplayName(t).toLowerCase();
  }
}

/** information_schema.columns numeric_precision (MySQL's digits) and datetime_precision (fraction digits). */
const NUMERIC_PRECISION: Partial<Record<string, bigint>> = { Int8: 3n, UInt8: 3n, Int16: 5n, UInt16: 5n, Int32: 10n, UInt32: 10n, Int64: 19n, UInt64: 20n, Float32: 12n, Float64: 22n };
const DATETIME_PRECISION: Partial<Record<string, bigint>> = { TimestampSecond: 0n, TimestampMillisecond: 3n, TimestampMicrosecond: 6n, TimestampNanosecond: 9n };

/** A row of information_schema.columns (see its column list). */
function columnRow(db: string, table: string, name: string, i: number, type: DataType, semantic: string, def: string | null, nullable: boolean, comment: string | null): unknown[] {
  const str = type.name === 'String';
  const numPrecision = type.name === 'Decimal128' ? BigInt(type.precision ?? 38) : NUMERIC_PRECISION[type.name] ?? null;
  const numScale = type.name === 'Decimal128' ? BigInt(type.scale ?? 0) : isInteger(type) ? 0n : null;
  return ['greptime', db, table, name, BigInt(i + 1), str ? 2147483647n : null, str ? 2147483647n : null, numPrecision, numScale, DATETIME_PRECISION[type.name] ?? null,
    str ? 'utf8' : null, str ? 'utf8_bin' : null, semantic === 'tag' ? 'PRI' : semantic === 'timestamp' ? 'TIME INDEX' : '', '', 'select,insert', '',
    dataTypeDisplayName(type), sqlTypeName(type), semantic.toUpperCase(), def, nullable ? 'Yes' : 'No', sqlTypeName(type), comment, null];
}

const S: DataType = { name: 'String' };
const I: DataType = { name: 'Int64' };
const U: DataType = { name: 'UInt64' };
const U32: DataType = { name: 'UInt32' };
const TS: DataType = { name: 'TimestampMillisecond' };
const TS_US: DataType = { name: 'TimestampMicrosecond' };

/**
 * A table's options as GreptimeDB lists them (SHOW CREATE TABLE, create_options):
 * sorted by key, ttl in humantime form ('7days'), append_mode with the others.
 */
export function tableOptionEntries(t: TableInfo): Array<[string, string]> {
  const o = t.schema.options;
  const out: Array<[string, string]> = Object.entries(o.extra ?? {});
  if (o.ttlMs !== undefined) out.push(['ttl', o.ttlMs > 0 ? formatDurationHuman(o.ttlMs) : 'forever']);
  if (o.appendMode !== undefined) out.push(['append_mode', String(o.appendMode)]);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A database's options as GreptimeDB shows them in SHOW FULL DATABASES (`ttl='7days'`). */
export function databaseOptionsText(catalog: Catalog, database: string): string {
  return databaseOptionEntries(catalog, database).map(([k, v]) => `${k}='${v}'`).join(' ');
}

/** A database's options sorted by key, the ttl in GreptimeDB's humantime form. */
export function databaseOptionEntries(catalog: Catalog, database: string): Array<[string, string]> {
  const opts = catalog.databaseOptions?.(database) ?? {};
  return Object.entries(opts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => {
    let value = v;
    if (k === 'ttl') { try { const ms = parseDurationMs(v); if (ms !== undefined) value = formatDurationHuman(ms); } catch { /* shown as given */ } }
    return [k, value];
  });
}

/**
 * The rows of information_schema.statistics, the index list SHOW INDEX reads,
 * as GreptimeDB builds them: FULLTEXT INDEX, INVERTED INDEX, PRIMARY (unique),
 * SKIPPING INDEX and TIME INDEX, each listing its columns in table order
 * (Seq_in_index counts within the index). Ordered by index name, then
 * position, as GreptimeDB shows them.
 */
function statisticsRows(t: TableInfo): unknown[][] {
  const row = (nonUnique: bigint, index: string, seq: number, column: string, indexType: string, greptimeType: string) => {
    const c = t.schema.columns.find((x) => x.name === column);
    return ['def', t.database, t.name, nonUnique, t.database, index, BigInt(seq), column, 'A', null, null, null,
      c?.nullable === false ? 'NO' : 'YES', indexType, '', '', 'YES', null, greptimeType];
  };
  const kinds = t.schema.columns.map((c) => ({ name: c.name, ...indexKindsOf(c) }));
  const fulltext = kinds.filter((k) => k.fulltext);
  const inverted = kinds.filter((k) => k.inverted);
  const skipping = kinds.filter((k) => k.skipping);
  return [
    ...fulltext.map((k, i) => row(1n, 'FULLTEXT INDEX', i + 1, k.name, 'FULLTEXT',
      k.fulltext!.backend === 'bloom' ? GREPTIME_INDEX_TYPES.fulltextBloom : GREPTIME_INDEX_TYPES.fulltextTantivy)),
    ...inverted.map((k, i) => row(1n, 'INVERTED INDEX', i + 1, k.name, 'INVERTED', GREPTIME_INDEX_TYPES.inverted)),
    ...t.schema.primaryKey.map((k, i) => row(0n, 'PRIMARY', i + 1, k, 'BTREE', GREPTIME_INDEX_TYPES.primary)),
    ...skipping.map((k, i) => row(1n, 'SKIPPING INDEX', i + 1, k.name, 'BLOOM', GREPTIME_INDEX_TYPES.skipping)),
    row(1n, 'TIME INDEX', 1, t.schema.timeIndex, 'BTREE', ''),
  ];
}

/**
 * The rows of information_schema.key_column_usage, as GreptimeDB builds them:
 * the time index (ordinal 1), then per column (table order) one row naming all
 * its keys and indexes ('PRIMARY, INVERTED INDEX') with the column's position
 * and the matching `greptime_index_type` list.
 */
function keyColumnUsageRows(t: TableInfo): unknown[][] {
  const row = (constraint: string, column: string, ordinal: number, types: string) =>
    ['def', t.database, constraint, 'def', 'greptime', t.database, t.name, column, BigInt(ordinal), null, null, null, null, types];
  const out: unknown[][] = [];
  t.schema.columns.forEach((c, i) => {
    if (c.name === t.schema.timeIndex) out.push(row('TIME INDEX', c.name, 1, ''));
    const names: string[] = [];
    const types: string[] = [];
    const k = indexKindsOf(c);
    if (t.schema.primaryKey.includes(c.name)) { names.push('PRIMARY'); types.push(GREPTIME_INDEX_TYPES.primary); }
    if (k.inverted) { names.push('INVERTED INDEX'); types.push(GREPTIME_INDEX_TYPES.inverted); }
    if (k.fulltext) { names.push('FULLTEXT INDEX'); types.push(k.fulltext.backend === 'bloom' ? GREPTIME_INDEX_TYPES.fulltextBloom : GREPTIME_INDEX_TYPES.fulltextTantivy); }
    if (k.skipping) { names.push('SKIPPING INDEX'); types.push(GREPTIME_INDEX_TYPES.skipping); }
    if (names.length) out.push(row(names.join(', '), c.name, i + 1, types.join(', ')));
  });
  return out;
}

/** information_schema.statistics' columns (GreptimeDB's, in its order). */
export const STATISTICS_COLUMNS: Array<[string, DataType]> = [
  ['table_catalog', S], ['table_schema', S], ['table_name', S], ['non_unique', I], ['index_schema', S], ['index_name', S], ['seq_in_index', I],
  ['column_name', S], ['collation', S], ['cardinality', I], ['sub_part', I], ['packed', S], ['nullable', S], ['index_type', S],
  ['comment', S], ['index_comment', S], ['is_visible', S], ['expression', S], ['greptime_index_type', S],
];

/**
 * SHOW INDEX FROM t: GreptimeDB's 15 columns (MySQL's names), one row per
 * column of each index, from the table's statistics rows.
 */
export function showIndexRows(t: TableInfo): { columns: Array<{ name: string; type: DataType }>; rows: unknown[][] } {
  const columns = [['Table', S], ['Non_unique', I], ['Key_name', S], ['Seq_in_index', I], ['Column_name', S], ['Collation', S], ['Cardinality', I],
    ['Sub_part', I], ['Packed', S], ['Null', S], ['Index_type', S], ['Comment', S], ['Index_comment', S], ['Visible', S], ['Expression', S]] as const;
  // statistics: 2 table_name, 3 non_unique, 5 index_name, 6 seq, 7 column, 8 collation, 9 cardinality, 10 sub_part, 11 packed,
  // 12 nullable, 18 greptime_index_type, 14 comment, 15 index_comment, 16 is_visible, 17 expression.
  const pick = [2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 18, 14, 15, 16, 17];
  return { columns: columns.map(([name, type]) => ({ name, type })), rows: statisticsRows(t).map((r) => pick.map((i) => r[i])) };
}

type Def = { columns: Array<[string, DataType]>; rows: (s: Session) => unknown[][] | Promise<unknown[][]> };

const IV: DataType = { name: 'IntervalMonthDayNano' };
const strings = (...names: string[]): Array<[string, DataType]> => names.map((n) => [n, S]);
/** A table GreptimeDB keeps for MySQL tools and leaves empty (no triggers, events, privileges, ... exist). */
const empty = (columns: Array<[string, DataType]>): Def => ({ columns, rows: () => [] });

/** A region id as GreptimeDB builds it: table id in the high 32 bits, region number in the low. */
const regionIdOf = (t: TableInfo, regionNumber: number): bigint => (BigInt(t.id) << 32n) | BigInt(regionNumber);
const METRIC_ENGINE_COMMENT = 'Storage engine for observability scenarios, which is adept at handling a large number of small tables, making it particularly suitable for cloud-native monitoring';

/** information_schema.partitions' 26 columns, GreptimeDB's (src/catalog/src/system_schema/information_schema/partitions.rs). */
export const PARTITIONS_COLUMNS: Array<[string, DataType]> = [
  ...strings('table_catalog', 'table_schema', 'table_name', 'partition_name', 'subpartition_name'), ['partition_ordinal_position', I],
  ['subpartition_ordinal_position', I], ...strings('partition_method', 'subpartition_method', 'partition_expression', 'subpartition_expression',
    'partition_description'), ...(['table_rows', 'avg_row_length', 'data_length', 'max_data_length', 'index_length', 'data_free']
    .map((n) => [n, I] as [string, DataType])), ['create_time', TS_US], ['update_time', TS_US], ['check_time', TS_US], ['checksum', I],
  ...strings('partition_comment', 'nodegroup', 'tablespace_name'), ['greptime_partition_id', U],
];

/** information_schema.region_statistics' 13 columns, GreptimeDB's (region_statistics.rs). */
export const REGION_STATISTICS_COLUMNS: Array<[string, DataType]> = [
  ['region_id', U], ['table_id', U32], ['region_number', U32], ...(['region_rows', 'written_bytes_since_open', 'disk_size', 'memtable_size',
    'manifest_size', 'sst_size', 'sst_num', 'index_size'].map((n) => [n, U] as [string, DataType])), ['engine', S], ['region_role', S],
];

/** information_schema.routines' 31 columns, MySQL's as GreptimeDB keeps them (information_memory_table.rs). */
export const ROUTINES_COLUMNS: Array<[string, DataType]> = [
  ...strings('specific_name', 'routine_catalog', 'routine_schema', 'routine_name', 'routine_type', 'data_type'),
  ...(['character_maximum_length', 'character_octet_length', 'numeric_precision', 'numeric_scale', 'datetime_precision']
    .map((n) => [n, I] as [string, DataType])),
  ...strings('character_set_name', 'collation_name', 'dtd_identifier', 'routine_body', 'routine_definition', 'external_name', 'external_language',
    'parameter_style', 'is_deterministic', 'sql_data_access', 'sql_path', 'security_type'), ['created', TS_US], ['last_altered', TS_US],
  ...strings('sql_mode', 'routine_comment', 'definer', 'character_set_client', 'collation_connection', 'database_collation'),
];

/**
 * GreptimeDB's information_schema tables that have MySQL's columns and no
 * rows in a time-series database: MySQL tools (DBeaver, DataGrip, Navicat)
 * query them when they browse a schema and take an empty answer, where a
 * missing table is an error. Columns and types are GreptimeDB's (its
 * `string_column` / `bigint_column` / `timestamp_micro_column`); `triggers`
 * keeps MySQL's columns, as GreptimeDB's did before its trigger feature.
 */
const MYSQL_EMPTY_TABLES: Record<string, Def> = {
  check_constraints: empty(strings('constraint_catalog', 'constraint_schema', 'constraint_name', 'check_clause')),
  column_privileges: empty(strings('grantee', 'table_catalog', 'table_schema', 'table_name', 'column_name', 'privilege_type', 'is_grantable')),
  column_statistics: empty(strings('schema_name', 'table_name', 'column_name', 'histogram')),
  events: empty([...strings('event_catalog', 'event_schema', 'event_name', 'definer', 'time_zone', 'event_body', 'event_definition', 'event_type'),
    ['execute_at', TS_US], ['interval_value', I], ['interval_field', S], ['sql_mode', S], ['starts', TS_US], ['ends', TS_US], ['status', S],
    ['on_completion', S], ['created', TS_US], ['last_altered', TS_US], ['last_executed', TS_US], ['event_comment', S], ['originator', I],
    ...strings('character_set_client', 'collation_connection', 'database_collation')]),
  files: empty([['file_id', I], ...strings('file_name', 'file_type', 'tablespace_name', 'table_catalog', 'table_schema', 'table_name', 'logfile_group_name'),
    ['logfile_group_number', I], ['engine', S], ['fulltext_keys', S], ...(['deleted_rows', 'update_count', 'free_extents', 'total_extents', 'extent_size',
      'initial_size', 'maximum_size', 'autoextend_size'].map((n) => [n, I] as [string, DataType])),
    ['creation_time', TS_US], ['last_update_time', TS_US], ['last_access_time', TS_US], ['recover_time', TS_US], ['transaction_counter', I],
    ['version', S], ['row_format', S], ...(['table_rows', 'avg_row_length', 'data_length', 'max_data_length', 'index_length', 'data_free'].map((n) => [n, I] as [string, DataType])),
    ['create_time', TS_US], ['update_time', TS_US], ['check_time', TS_US], ...strings('checksum', 'status', 'extra')]),
  global_status: empty(strings('variable_name', 'variable_value')),
  optimizer_trace: empty([['query', S], ['trace', S], ['missing_bytes_beyond_max_mem_size', I], ['insufficient_privileges', I]]),
  parameters: empty([...strings('specific_catalog', 'specific_schema', 'specific_name'), ['ordinal_position', I], ...strings('parameter_mode', 'parameter_name', 'data_type'),
    ['character_maximum_length', I], ['character_octet_length', I], ['numeric_precision', I], ['numeric_scale', I], ['datetime_precision', I],
    ...strings('character_set_name', 'collation_name', 'dtd_identifier', 'routine_type')]),
  profiling: empty([['query_id', I], ['seq', I], ['state', S], ...(['duration', 'cpu_user', 'cpu_system', 'context_voluntary', 'context_involuntary', 'block_ops_in',
    'block_ops_out', 'messages_sent', 'messages_received', 'page_faults_major', 'page_faults_minor', 'swaps'].map((n) => [n, I] as [string, DataType])),
  ['source_function', S], ['source_file', S], ['source_line', I]]),
  referential_constraints: empty(strings('constraint_catalog', 'constraint_schema', 'constraint_name', 'unique_constraint_catalog', 'unique_constraint_schema',
    'unique_constraint_name', 'match_option', 'update_rule', 'delete_rule', 'table_name', 'referenced_table_name')),
  schema_privileges: empty(strings('grantee', 'table_catalog', 'table_schema', 'privilege_type', 'is_grantable')),
  session_status: empty(strings('variable_name', 'variable_value')),
  table_privileges: empty(strings('grantee', 'table_catalog', 'table_schema', 'table_name', 'privilege_type', 'is_grantable')),
  triggers: empty([...strings('trigger_catalog', 'trigger_schema', 'trigger_name', 'event_manipulation', 'event_object_catalog', 'event_object_schema',
    'event_object_table'), ['action_order', I], ...strings('action_condition', 'action_statement', 'action_orientation', 'action_timing',
    'action_reference_old_table', 'action_reference_new_table', 'action_reference_old_row', 'action_reference_new_row'), ['created', TS_US],
  ...strings('sql_mode', 'definer', 'character_set_client', 'collation_connection', 'database_collation')]),
  // Strata has no flows: GreptimeDB's columns (views.rs, flows.rs), no rows. (views: columns here, rows from the catalog in SystemTables.)
  views: empty([...strings('table_catalog', 'table_schema', 'table_name', 'view_definition', 'check_option', 'is_updatable', 'definer', 'security_type',
    'character_set_client', 'collation_connection')]),
  flows: empty([['flow_name', S], ['flow_id', U32], ['state_size', U], ['table_catalog', S], ['flow_definition', S], ['comment', S], ['expire_after', I],
    ['source_table_ids', S], ['sink_table_name', S], ['flownode_ids', S], ['options', S], ['created_time', TS], ['updated_time', TS],
    ['last_execution_time', TS], ['source_table_names', S]]),
  procedure_info: empty([['procedure_id', S], ['procedure_type', S], ['start_time', TS], ['end_time', TS], ['status', S], ['lock_keys', S]]),
};

/**
 * `information_schema`: GreptimeDB's system views, computed from the catalog
 * and the engine when queried (schemata, tables, columns, engines,
 * region_statistics, build_info, ...).
 */
export class SystemTables {
  private readonly defs: Record<string, Def>;
  /** `pg_catalog.*`, read on the PostgreSQL channel only (see pg-catalog.ts). */
  private readonly pgDefs: Record<string, Def>;
  /** Plugins' tables (QueryService.addSystemTable), by `database.name`. */
  private readonly providers = new Map<string, SystemTableProvider>();

  constructor(private readonly catalog: Catalog, engine: StorageEngine, registry: FunctionRegistry, metrics?: Metrics, processes?: ProcessList) {
    const tables = () => catalog.listDatabases().flatMap((d) => catalog.listTables(d));
    const startedAtMs = Date.now();
    this.pgDefs = pgCatalogTables(catalog, registry, () => this.tableNames());
    const views = () => catalog.listViews ? catalog.listDatabases().flatMap((d) => catalog.listViews!(d)) : [];
    this.defs = {
      ...MYSQL_EMPTY_TABLES,
      // GreptimeDB's rows: the CREATE statement as written, never updatable.
      views: {
        columns: MYSQL_EMPTY_TABLES.views!.columns,
        rows: () => views().map((v) => ['greptime', v.database, v.name, v.definition, 'NONE', 'NO', '', 'DEFINER', 'utf8', 'utf8_bin']),
      },
      // The running statements (SHOW PROCESSLIST reads the same rows); the id is what KILL takes.
      process_list: {
        columns: [['id', S], ['catalog', S], ['schemas', S], ['query', S], ['client', S], ['frontend', S], ['start_timestamp', TS], ['elapsed_time', IV]],
        rows: () => {
          if (!processes) return [];
          const now = Date.now();
          return processes.list().map((p) => [processes.idOf(p), 'greptime', p.session.database, p.query,
            `${p.session.channel}[${p.session.clientAddress ?? 'unknown client addr'}]`, processes.frontend, BigInt(p.startMs),
            { months: 0, days: 0, nanos: BigInt(Math.max(0, now - p.startMs)) * 1_000_000n }]);
        },
      },
      // One STANDALONE peer, as GreptimeDB's standalone mode shows itself.
      cluster_info: {
        columns: [['peer_id', I], ['peer_type', S], ['peer_addr', S], ['peer_hostname', S], ['total_cpu_millicores', I], ['total_memory_bytes', I],
          ['cpu_usage_millicores', I], ['memory_usage_bytes', I], ['version', S], ['git_commit', S], ['start_time', TS], ['uptime', S], ['active_time', S], ['node_status', S]],
        rows: () => [[0n, 'STANDALONE', '', hostname(), BigInt(cpus().length * 1000), BigInt(totalmem()), 0n, BigInt(process.memoryUsage().rss),
          KERNEL_VERSION, 'unknown', BigInt(startedAtMs), formatDurationHuman(Date.now() - startedAtMs), null, null]],
      },
      // Every region on peer 0, its leader, alive (GreptimeDB's standalone answer).
      region_peers: {
        columns: [['table_catalog', S], ['table_schema', S], ['table_name', S], ['region_id', U], ['peer_id', U], ['peer_addr', S], ['is_leader', S],
          ['status', S], ['down_seconds', I]],
        rows: () => tables().flatMap((t) => t.regionIds.map((_, i) => ['greptime', t.database, t.name, regionIdOf(t, i), 0n, '', 'Yes', 'ALIVE', null])),
      },
      // GreptimeDB's rows: a TIME INDEX constraint for every table, a PRIMARY one for tables with a primary key.
      table_constraints: {
        columns: strings('constraint_catalog', 'constraint_schema', 'constraint_name', 'table_schema', 'table_name', 'constraint_type', 'enforced'),
        rows: () => tables().flatMap((t) => [
          ['def', t.database, 'TIME INDEX', t.database, t.name, 'TIME INDEX', 'YES'],
          ...(t.schema.primaryKey.length ? [['def', t.database, 'PRIMARY', t.database, t.name, 'PRIMARY KEY', 'YES']] : []),
        ]),
      },
      collation_character_set_applicability: {
        columns: strings('collation_name', 'character_set_name'),
        rows: () => [['utf8_bin', 'utf8']],
      },
      schemata: {
        columns: [['catalog_name', S], ['schema_name', S], ['default_character_set_name', S], ['default_collation_name', S], ['sql_path', S], ['options', S]],
        rows: () => ['information_schema', ...catalog.listDatabases()].sort().map((d) => ['greptime', d, 'utf8', 'utf8_bin', null, databaseOptionsText(catalog, d)]),
      },
      // GreptimeDB's 24 columns, in its order and types; length figures come from the regions' statistics.
      tables: {
        columns: [['table_catalog', S], ['table_schema', S], ['table_name', S], ['table_type', S], ['table_id', U32], ['data_length', U],
          ['max_data_length', U], ['index_length', U], ['max_index_length', U], ['avg_row_length', U], ['engine', S], ['version', U],
          ['row_format', S], ['table_rows', U], ['data_free', U], ['auto_increment', U], ['create_time', TS_US], ['update_time', TS_US],
          ['check_time', TS_US], ['table_collation', S], ['checksum', U], ['create_options', S], ['table_comment', S], ['temporary', S]],
        rows: () => {
          const system = (database: string, name: string): unknown[] => ['greptime', database, name, 'LOCAL TEMPORARY', null, 0n, 0n, 0n, 0n, 0n, null, 11n,
            'Fixed', 0n, 0n, null, null, null, null, 'utf8_bin', 0n, '', null, 'Y'];
          return [
            ...this.tableNames().map((n) => system('information_schema', n)),
            ...this.visibleProviders().filter((p) => p.database !== 'information_schema').map((p) => system(p.database, p.name)),
            ...tables().map((t) => {
              const st = t.regionIds.map((r) => safeStats(engine, r));
              const rows = st.reduce((n, x) => n + x.rows, 0);
              const sst = st.reduce((n, x) => n + x.sstBytes, 0);
              const mem = st.reduce((n, x) => n + x.memtableBytes, 0);
              return ['greptime', t.database, t.name, 'BASE TABLE', t.id, BigInt(sst), 0n, 0n, 0n, rows > 0 ? BigInt(Math.floor((sst + mem) / rows)) : 0n,
                t.engine, 11n, 'Fixed', BigInt(rows), 0n, null, BigInt(t.createdAtMs) * 1000n, null, null, 'utf8_bin', 0n,
                tableOptionEntries(t).map(([k, v]) => `${k}=${v}`).join(' '), t.comment ?? null, 'N'];
            }),
            ...views().map((v) => ['greptime', v.database, v.name, 'VIEW', v.id, 0n, 0n, 0n, 0n, 0n, null, 11n, 'Fixed', 0n, 0n, null,
              BigInt(v.createdAtMs) * 1000n, null, null, 'utf8_bin', 0n, '', null, 'N']),
          ];
        },
      },
      statistics: {
        columns: STATISTICS_COLUMNS,
        rows: () => tables().flatMap(statisticsRows),
      },
      columns: {
        // GreptimeDB's columns, in its order; data_type / column_type are MySQL-style names ('bigint', 'timestamp(3)').
        columns: [['table_catalog', S], ['table_schema', S], ['table_name', S], ['column_name', S], ['ordinal_position', I],
          ['character_maximum_length', I], ['character_octet_length', I], ['numeric_precision', I], ['numeric_scale', I], ['datetime_precision', I],
          ['character_set_name', S], ['collation_name', S], ['column_key', S], ['extra', S], ['privileges', S], ['generation_expression', S],
          ['greptime_data_type', S], ['data_type', S], ['semantic_type', S], ['column_default', S], ['is_nullable', S], ['column_type', S], ['column_comment', S], ['srs_id', I]],
        rows: () => tables().flatMap((t) => t.schema.columns.map((c, i) => columnRow(t.database, t.name, c.name, i, c.type, c.semantic,
          c.default ? (c.default.fn ?? String(c.default.value)) : null, c.nullable, c.comment ?? null)))
          .concat(this.visibleProviders().flatMap((p) => p.columns.map((c, i) => columnRow(p.database, p.name, c.name, i, c.type, 'field', null, true, null)))),
      },
      // GreptimeDB's two engines (information_memory_table.rs): tables may name either (ENGINE=metric is kept
      // as written); both write through the configured storage engine, named in mito's comment.
      engines: {
        columns: strings('engine', 'support', 'comment', 'transactions', 'xa', 'savepoints'),
        rows: () => [
          ['mito', 'DEFAULT', `Storage engine for time-series data (${engine.name})`, 'NO', 'NO', 'NO'],
          ['metric', 'YES', METRIC_ENGINE_COMMENT, 'NO', 'NO', 'NO'],
        ],
      },
      region_statistics: {
        columns: REGION_STATISTICS_COLUMNS,
        rows: () => tables().flatMap((t) => t.regionIds.map((r, i) => {
          const st = safeStats(engine, r);
          return [regionIdOf(t, i), t.id, i, BigInt(st.rows), null, BigInt(st.sstBytes + st.memtableBytes), BigInt(st.memtableBytes), 0n,
            BigInt(st.sstBytes), BigInt(st.sstFiles), 0n, t.engine, 'Leader'];
        })),
      },
      build_info: {
        columns: [['git_branch', S], ['git_commit', S], ['git_commit_short', S], ['git_clean', S], ['pkg_version', S]],
        rows: () => [['main', 'unknown', 'unknown', 'true', KERNEL_VERSION]],
      },
      functions: {
        columns: [['function_name', S], ['function_type', S], ['origin', S], ['description', S]],
        rows: () => registry.list().map((e) => [e.fn.name, e.fn.kind, e.origin, e.fn.description ?? '']),
      },
      // GreptimeDB's routines (MySQL's 31 columns, information_memory_table.rs). GreptimeDB has no stored
      // routines and answers none; Strata lists its SQL functions, built-in and added, as MySQL lists stored
      // functions. data_type is empty when a rule derives it from the arguments; the kind (scalar, aggregate,
      // window) is information_schema.functions' function_type.
      routines: {
        columns: ROUTINES_COLUMNS,
        rows: () => registry.list().map((e) => {
          const dataType = typeof e.fn.returnType === 'function' ? '' : dataTypeDisplayName(e.fn.returnType).toLowerCase();
          return [e.fn.name, 'def', 'public', e.fn.name, 'FUNCTION', dataType, null, null, null, null, null, null, null, dataType,
            'EXTERNAL', null, e.origin, e.origin === 'built-in' ? 'BUILTIN' : 'JAVASCRIPT', 'SQL',
            (e.fn.volatility ?? 'immutable') === 'immutable' ? 'YES' : 'NO', 'NO SQL', null, 'INVOKER', null, null, '', e.fn.description ?? '', '',
            'utf8', 'utf8_bin', 'utf8_bin'];
        }),
      },
      character_sets: {
        columns: [['character_set_name', S], ['default_collate_name', S], ['description', S], ['maxlen', I]],
        rows: () => [['utf8', 'utf8_bin', 'UTF-8 Unicode', 4n]],
      },
      collations: {
        columns: [['collation_name', S], ['character_set_name', S], ['id', I], ['is_default', S], ['is_compiled', S], ['sortlen', I]],
        rows: () => [['utf8_bin', 'utf8', 1n, 'Yes', 'Yes', 1n]],
      },
      // GreptimeDB's 14 columns (MySQL's, plus real_table_catalog and greptime_index_type).
      key_column_usage: {
        columns: [['constraint_catalog', S], ['constraint_schema', S], ['constraint_name', S], ['table_catalog', S], ['real_table_catalog', S],
          ['table_schema', S], ['table_name', S], ['column_name', S], ['ordinal_position', U32], ['position_in_unique_constraint', U32],
          ['referenced_table_schema', S], ['referenced_table_name', S], ['referenced_column_name', S], ['greptime_index_type', S]],
        rows: () => tables().flatMap(keyColumnUsageRows),
      },
      runtime_metrics: {
        // GreptimeDB's runtime_metrics.rs: a standalone server leaves peer_addr NULL and names its peer_type STANDALONE.
        columns: [['metric_name', S], ['value', { name: 'Float64' }], ['labels', S], ['peer_addr', S], ['peer_type', S], ['timestamp', TS]],
        rows: async () => {
          if (!metrics) return [];
          const now = BigInt(Date.now());
          const all = await metrics.registry.getMetricsAsJSON();
          return all.flatMap((m) => m.values.map((v) => [
            (v as { metricName?: string }).metricName ?? m.name, Number(v.value),
            Object.entries(v.labels ?? {}).map(([k, x]) => `${k}=${String(x)}`).join(', '), null, 'STANDALONE', now,
          ]));
        },
      },
      // GreptimeDB's partitions.rs, MySQL's 25 columns and greptime_partition_id (the region id): one row per
      // region, p0, p1, ... in region order; partition_method RANGE as GreptimeDB gives for every row. Where
      // GreptimeDB leaves the sizes NULL, Strata gives the region's rows and bytes from the engine.
      partitions: {
        columns: PARTITIONS_COLUMNS,
        rows: () => tables().flatMap((t) => t.regionIds.map((r, i) => {
          const st = safeStats(engine, r);
          return ['greptime', t.database, t.name, `p${i}`, null, BigInt(i + 1), null, 'RANGE', null, t.partition?.exprs[i] ?? null, null, null,
            BigInt(st.rows), st.rows > 0 ? BigInt(Math.floor((st.sstBytes + st.memtableBytes) / st.rows)) : 0n, BigInt(st.sstBytes), null, null, null,
            BigInt(t.createdAtMs) * 1000n, null, null, null, null, null, null, regionIdOf(t, i)];
        })),
      },
    };
  }

  /** The rows of a built-in `information_schema` table (SHOW ENGINES, SHOW PROCESSLIST read them). */
  async rows(name: string, session: Session): Promise<unknown[][]> {
    return this.defs[name]!.rows(session);
  }

  /** The column types of a built-in `information_schema` table. */
  columnTypes(name: string): DataType[] {
    return this.defs[name]!.columns.map(([, t]) => t);
  }

  /** Names of the `information_schema` tables, built-in and added. */
  tableNames(): string[] {
    return [...Object.keys(this.defs), ...this.providerNames('information_schema')].sort();
  }

  /** Names of the tables plugins added to `database` that no catalog table of that name hides. */
  providerNames(database: string): string[] {
    return this.visibleProviders().filter((p) => p.database === database).map((p) => p.name).sort();
  }

  /** Adds a plugin's table; returns its remover. */
  add(provider: SystemTableProvider): () => void {
    const key = `${provider.database}.${provider.name}`;
    if (this.providers.has(key) || (provider.database === 'information_schema' && this.defs[provider.name])) {
      throw new InvalidArgumentsError(`system table ${key} already exists`);
    }
    if (provider.columns.length === 0) throw new InvalidArgumentsError(`system table ${key} has no columns`);
    this.providers.set(key, provider);
    return () => { if (this.providers.get(key) === provider) this.providers.delete(key); };
  }

  /** A plan reading the system table, or undefined when `database.name` is not one. */
  plan(database: string, name: string, alias: string, session: Session): Plan | undefined {
    const def = database === 'information_schema' ? this.defs[name] : this.pgCatalogDef(database, name, session);
    if (def) {
      const fields = def.columns.map(([n, t]) => newField(n, t, alias));
      return {
        k: 'memory', name: `${database === 'information_schema' ? database : PG_CATALOG}.${name}`, fields,
        load: async (): Promise<Batch[]> => {
          const rows = await def.rows(session);
          return [{ columns: def.columns.map(([, t], i) => columnFromValues(t, rows.map((r) => r[i] ?? null))), numRows: rows.length }];
        },
      };
    }
    const p = this.providers.get(`${database}.${name}`);
    if (!p || this.hidden(p)) return undefined;
    return {
      k: 'memory', name: `${database}.${name}`, fields: p.columns.map((c) => newField(c.name, c.type, alias)),
      // Columns by name, so a provider may build its batches in any order; a missing one reads as NULL.
      load: async (): Promise<Batch[]> => (await p.rows(session)).map((rb) => ({
        numRows: rb.numRows,
        columns: p.columns.map((c) => {
          const v = rb.getChild(c.name);
          return v ? columnFromArrow(v, c.type) : columnFromValues(c.type, new Array<null>(rb.numRows).fill(null));
        }),
      })),
    };
  }

  /**
   * A pg_catalog table for a PostgreSQL session: `pg_catalog.pg_class`, or
   * an unqualified `pg_class` when the session's database has no table of
   * that name (PostgreSQL searches pg_catalog implicitly; user data still
   * wins). Other channels do not see pg_catalog, as in GreptimeDB.
   */
  private pgCatalogDef(database: string, name: string, session: Session): Def | undefined {
    if (database === PG_CATALOG) {
      if (session.channel !== 'postgres') throw new TableNotFoundError(`greptime.${PG_CATALOG}.${name}`);
      const def = Object.hasOwn(this.pgDefs, name) ? this.pgDefs[name] : undefined;
      if (!def) throw new TableNotFoundError(`greptime.${PG_CATALOG}.${name}`);
      return def;
    }
    if (session.channel !== 'postgres' || !Object.hasOwn(this.pgDefs, name) || database !== session.database) return undefined;
    if (this.catalog.databaseExists(database) && this.catalog.getTable(database, name)) return undefined;
    return this.pgDefs[name];
  }

  private visibleProviders(): SystemTableProvider[] {
    return [...this.providers.values()].filter((p) => !this.hidden(p));
  }

  /** A catalog table of the same name wins over a plugin's table: user data is never hidden. */
  private hidden(p: SystemTableProvider): boolean {
    return p.database !== 'information_schema' && this.catalog.databaseExists(p.database) && !!this.catalog.getTable(p.database, p.name);
  }
}

function safeStats(engine: StorageEngine, region: string) {
  try { return engine.stats(region); } catch { return { rows: 0, memtableBytes: 0, sstBytes: 0, sstFiles: 0 }; }
}
