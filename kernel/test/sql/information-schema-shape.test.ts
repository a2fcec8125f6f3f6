import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * information_schema in GreptimeDB's shape: for each table, the exact
 * columns and types that `SELECT * ... LIMIT 0` answers, as GreptimeDB
 * declares them in src/catalog/src/system_schema/information_schema/<table>.rs
 * (memory tables in information_memory_table.rs), cross-checked with the
 * DESC output on docs.greptime.com/reference/sql/information-schema/.
 * `name:Type` pairs keep each table's list on a few lines.
 */
const SHAPES: Record<string, string> = {
  // partitions.rs: MySQL's 25 columns plus greptime_partition_id (the region id).
  partitions: 'table_catalog:String table_schema:String table_name:String partition_name:String subpartition_name:String '
    + 'partition_ordinal_position:Int64 subpartition_ordinal_position:Int64 partition_method:String subpartition_method:String '
    + 'partition_expression:String subpartition_expression:String partition_description:String table_rows:Int64 avg_row_length:Int64 '
    + 'data_length:Int64 max_data_length:Int64 index_length:Int64 data_free:Int64 create_time:TimestampMicrosecond '
    + 'update_time:TimestampMicrosecond check_time:TimestampMicrosecond checksum:Int64 partition_comment:String nodegroup:String '
    + 'tablespace_name:String greptime_partition_id:UInt64',
  // region_statistics.rs (docs: reference/sql/information-schema/region-statistics, version 1.0).
  region_statistics: 'region_id:UInt64 table_id:UInt32 region_number:UInt32 region_rows:UInt64 written_bytes_since_open:UInt64 '
    + 'disk_size:UInt64 memtable_size:UInt64 manifest_size:UInt64 sst_size:UInt64 sst_num:UInt64 index_size:UInt64 engine:String region_role:String',
  // information_memory_table.rs ROUTINES: MySQL's 31 columns.
  routines: 'specific_name:String routine_catalog:String routine_schema:String routine_name:String routine_type:String data_type:String '
    + 'character_maximum_length:Int64 character_octet_length:Int64 numeric_precision:Int64 numeric_scale:Int64 datetime_precision:Int64 '
    + 'character_set_name:String collation_name:String dtd_identifier:String routine_body:String routine_definition:String '
    + 'external_name:String external_language:String parameter_style:String is_deterministic:String sql_data_access:String '
    + 'sql_path:String security_type:String created:TimestampMicrosecond last_altered:TimestampMicrosecond sql_mode:String '
    + 'routine_comment:String definer:String character_set_client:String collation_connection:String database_collation:String',
  // runtime_metrics.rs.
  runtime_metrics: 'metric_name:String value:Float64 labels:String peer_addr:String peer_type:String timestamp:TimestampMillisecond',
  // flows.rs.
  flows: 'flow_name:String flow_id:UInt32 state_size:UInt64 table_catalog:String flow_definition:String comment:String expire_after:Int64 '
    + 'source_table_ids:String sink_table_name:String flownode_ids:String options:String created_time:TimestampMillisecond '
    + 'updated_time:TimestampMillisecond last_execution_time:TimestampMillisecond source_table_names:String',
  // tables.rs: 24 columns.
  tables: 'table_catalog:String table_schema:String table_name:String table_type:String table_id:UInt32 data_length:UInt64 '
    + 'max_data_length:UInt64 index_length:UInt64 max_index_length:UInt64 avg_row_length:UInt64 engine:String version:UInt64 '
    + 'row_format:String table_rows:UInt64 data_free:UInt64 auto_increment:UInt64 create_time:TimestampMicrosecond '
    + 'update_time:TimestampMicrosecond check_time:TimestampMicrosecond table_collation:String checksum:UInt64 create_options:String '
    + 'table_comment:String temporary:String',
  // columns.rs.
  columns: 'table_catalog:String table_schema:String table_name:String column_name:String ordinal_position:Int64 '
    + 'character_maximum_length:Int64 character_octet_length:Int64 numeric_precision:Int64 numeric_scale:Int64 datetime_precision:Int64 '
    + 'character_set_name:String collation_name:String column_key:String extra:String privileges:String generation_expression:String '
    + 'greptime_data_type:String data_type:String semantic_type:String column_default:String is_nullable:String column_type:String '
    + 'column_comment:String srs_id:Int64',
  // schemata.rs.
  schemata: 'catalog_name:String schema_name:String default_character_set_name:String default_collation_name:String sql_path:String options:String',
  // views.rs.
  views: 'table_catalog:String table_schema:String table_name:String view_definition:String check_option:String is_updatable:String '
    + 'definer:String security_type:String character_set_client:String collation_connection:String',
  // statistics.rs.
  statistics: 'table_catalog:String table_schema:String table_name:String non_unique:Int64 index_schema:String index_name:String '
    + 'seq_in_index:Int64 column_name:String collation:String cardinality:Int64 sub_part:Int64 packed:String nullable:String '
    + 'index_type:String comment:String index_comment:String is_visible:String expression:String greptime_index_type:String',
  // table_constraints.rs.
  table_constraints: 'constraint_catalog:String constraint_schema:String constraint_name:String table_schema:String table_name:String '
    + 'constraint_type:String enforced:String',
  // Docs, version 1.0: reference/sql/information-schema/cluster-info.
  cluster_info: 'peer_id:Int64 peer_type:String peer_addr:String peer_hostname:String total_cpu_millicores:Int64 total_memory_bytes:Int64 '
    + 'cpu_usage_millicores:Int64 memory_usage_bytes:Int64 version:String git_commit:String start_time:TimestampMillisecond uptime:String '
    + 'active_time:String node_status:String',
  // Docs, version 1.0: reference/sql/information-schema/region-peers.
  region_peers: 'table_catalog:String table_schema:String table_name:String region_id:UInt64 peer_id:UInt64 peer_addr:String '
    + 'is_leader:String status:String down_seconds:Int64',
  // procedure_info.rs.
  procedure_info: 'procedure_id:String procedure_type:String start_time:TimestampMillisecond end_time:TimestampMillisecond status:String lock_keys:String',
  // information_memory_table.rs.
  engines: 'engine:String support:String comment:String transactions:String xa:String savepoints:String',
  build_info: 'git_branch:String git_commit:String git_commit_short:String git_clean:String pkg_version:String',
  character_sets: 'character_set_name:String default_collate_name:String description:String maxlen:Int64',
  collations: 'collation_name:String character_set_name:String id:Int64 is_default:String is_compiled:String sortlen:Int64',
  collation_character_set_applicability: 'collation_name:String character_set_name:String',
  check_constraints: 'constraint_catalog:String constraint_schema:String constraint_name:String check_clause:String',
  column_privileges: 'grantee:String table_catalog:String table_schema:String table_name:String column_name:String privilege_type:String is_grantable:String',
  column_statistics: 'schema_name:String table_name:String column_name:String histogram:String',
  schema_privileges: 'grantee:String table_catalog:String table_schema:String privilege_type:String is_grantable:String',
  table_privileges: 'grantee:String table_catalog:String table_schema:String table_name:String privilege_type:String is_grantable:String',
  global_status: 'variable_name:String variable_value:String',
  session_status: 'variable_name:String variable_value:String',
  optimizer_trace: 'query:String trace:String missing_bytes_beyond_max_mem_size:Int64 insufficient_privileges:Int64',
  referential_constraints: 'constraint_catalog:String constraint_schema:String constraint_name:String unique_constraint_catalog:String '
    + 'unique_constraint_schema:String unique_constraint_name:String match_option:String update_rule:String delete_rule:String '
    + 'table_name:String referenced_table_name:String',
};

describe('kernel: information_schema in GreptimeDB\'s shape', function () {
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.q("CREATE TABLE p (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY(host)) PARTITION ON COLUMNS (host) (host < 'm', host >= 'm')");
    await h.q('CREATE TABLE plain (ts TIMESTAMP TIME INDEX, v DOUBLE)');
    await h.q("INSERT INTO p VALUES ('a', 1, 1), ('n', 2, 2), ('z', 3, 3)");
  });
  after(async () => { await h.stop(); });

  for (const [table, shape] of Object.entries(SHAPES)) {
    it(`${table} has GreptimeDB's columns, in its order and types`, async () => {
      const r = await h.q(`SELECT * FROM information_schema.${table} LIMIT 0`);
      expect(r.columns.map((c, i) => `${c}:${r.types[i]}`).join(' ')).to.equal(shape);
      // DESC lists the same, so tools that describe the table see it too.
      const d = await h.q(`DESC information_schema.${table}`);
      expect(d.rows.map((x) => `${String(x[0])}:${String(x[1])}`).join(' ')).to.equal(shape);
    });
  }

  it('partitions: one row per region of a PARTITION ON COLUMNS table, with its rule, region id and rows', async () => {
    const r = await h.q("SELECT partition_name, partition_ordinal_position, partition_method, partition_expression, table_rows, greptime_partition_id, "
      + "subpartition_name, nodegroup, create_time IS NOT NULL FROM information_schema.partitions WHERE table_name = 'p' ORDER BY partition_name");
    const tableId = BigInt((await h.rows("SELECT table_id FROM information_schema.tables WHERE table_name = 'p'"))[0]![0] as number);
    expect(r.rows).to.deep.equal([
      ['p0', 1n, 'RANGE', "host < 'm'", 1n, tableId << 32n, null, null, true],
      ['p1', 2n, 'RANGE', "host >= 'm'", 2n, (tableId << 32n) | 1n, null, null, true],
    ]);
    // An unpartitioned table has one region, p0, with no expression (GreptimeDB's answer too).
    expect(await h.rows("SELECT partition_name, partition_expression FROM information_schema.partitions WHERE table_name = 'plain'")).to.deep.equal([['p0', null]]);
    // greptime_partition_id joins region_peers and region_statistics, as GreptimeDB's admin docs do.
    expect(await h.rows("SELECT a.partition_name, b.peer_id, s.region_rows FROM information_schema.partitions a JOIN information_schema.region_peers b "
      + "ON a.greptime_partition_id = b.region_id JOIN information_schema.region_statistics s ON s.region_id = a.greptime_partition_id "
      + "WHERE a.table_name = 'p' ORDER BY a.partition_name")).to.deep.equal([['p0', 0, 1], ['p1', 0, 2]]);
  });

  it('region_statistics: rows after inserts, the table id and region number split out of the region id, the table engine', async () => {
    await h.q("CREATE TABLE m (ts TIMESTAMP TIME INDEX, v DOUBLE) ENGINE=metric");
    await h.q('INSERT INTO m VALUES (1, 1), (2, 2), (3, 3), (4, 4)');
    const rows = await h.rows("SELECT s.region_number, s.region_rows, s.written_bytes_since_open, s.memtable_size > 0, s.disk_size >= s.memtable_size, "
      + "s.engine, s.region_role, s.region_id = (CAST(s.table_id AS BIGINT UNSIGNED) * 4294967296 + s.region_number) FROM information_schema.region_statistics s "
      + "JOIN information_schema.tables t ON s.table_id = t.table_id WHERE t.table_name IN ('p', 'm') ORDER BY t.table_name, s.region_number");
    expect(rows).to.deep.equal([
      [0, 4, null, true, true, 'metric', 'Leader', true],
      [0, 1, null, true, true, 'mito', 'Leader', true],
      [1, 2, null, true, true, 'mito', 'Leader', true],
    ]);
  });

  it('engines lists GreptimeDB\'s mito (default) and metric', async () => {
    expect((await h.rows('SELECT engine, support, transactions FROM information_schema.engines'))).to.deep.equal([['mito', 'DEFAULT', 'NO'], ['metric', 'YES', 'NO']]);
  });

  it('runtime_metrics: a standalone server leaves peer_addr NULL and names its peer_type STANDALONE', async () => {
    const r = await h.rows('SELECT DISTINCT peer_addr, peer_type FROM information_schema.runtime_metrics');
    expect(r).to.deep.equal([[null, 'STANDALONE']]);
  });

  it('routines lists the SQL functions in MySQL\'s columns; information_schema.functions has their kind', async () => {
    const r = await h.rows("SELECT routine_catalog, routine_schema, routine_type, data_type, dtd_identifier, routine_body, external_language, "
      + "is_deterministic, character_set_client FROM information_schema.routines WHERE routine_name = 'abs'");
    expect(r).to.deep.equal([['def', 'public', 'FUNCTION', '', '', 'EXTERNAL', 'BUILTIN', 'YES', 'utf8']]);
    expect(await h.rows("SELECT function_type FROM information_schema.functions WHERE function_name = 'avg'")).to.deep.equal([['aggregate']]);
  });

  it('triggers keeps MySQL\'s columns, which DBeaver and DataGrip filter on', async () => {
    expect(await h.rows("SELECT count(*) FROM information_schema.triggers WHERE event_object_schema = 'public' AND event_object_table = 'p'")).to.deep.equal([[0]]);
  });
});
