import { InvalidArgumentsError } from '../errors/errors.js';
import type { ColumnIndexOptions, ColumnSchema, DataType, FulltextIndexOptions, SkippingIndexOptions } from './data-types.js';

/**
 * GreptimeDB's column index options (`INVERTED INDEX`, `FULLTEXT INDEX WITH
 * (...)`, `SKIPPING INDEX WITH (...)`): checking the `WITH` keys and values
 * with GreptimeDB's rules and messages, and printing them back as SQL.
 *
 * @example
 * fulltextIndexOptions('msg', new Map([['analyzer', 'Chinese']]))
 * // -> { enabled: true, analyzer: 'Chinese', caseSensitive: false, backend: 'bloom', granularity: 10240, falsePositiveRate: 0.01 }
 */

/** Rows per bloom filter when `granularity` is not given (GreptimeDB's default). */
export const DEFAULT_INDEX_GRANULARITY = 10240;
/** Bloom filter false positive rate when `false_positive_rate` is not given. */
export const DEFAULT_INDEX_FALSE_POSITIVE_RATE = 0.01;

/** The `WITH` keys each index kind accepts. */
export const FULLTEXT_INDEX_KEYS: readonly string[] = ['analyzer', 'case_sensitive', 'backend', 'granularity', 'false_positive_rate'];
export const SKIPPING_INDEX_KEYS: readonly string[] = ['granularity', 'type', 'false_positive_rate'];

/** One index marker of a column definition, as the parser gives it. */
export interface IndexDefinition {
  readonly kind: string;
  readonly options: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  /** `FULLTEXT` written without `INDEX` (GreptimeDB requires the keyword). */
  readonly missingIndexKeyword?: boolean;
  /** A `WITH (...)` was written (INVERTED INDEX takes none). */
  readonly withClause?: boolean;
}

/** GreptimeDB's error for a bad column option: `Invalid column option, column name: c, error: ...`. */
export function columnOptionError(column: string, message: string): InvalidArgumentsError {
  return new InvalidArgumentsError(`Invalid column option, column name: ${column}, error: ${message}`);
}

/** The options as a map, refusing keys the index does not know (`label` names it in the message). */
export function indexOptionMap(column: string, entries: IndexDefinition['options'], allowed: readonly string[], label: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const { key, value } of entries) {
    if (!allowed.includes(key)) throw columnOptionError(column, `invalid ${label} option: ${key}`);
    m.set(key, value);
  }
  return m;
}

/** A positive 32-bit integer as Rust's `u32::from_str` reads it, or undefined. */
function positiveU32(text: string): number | undefined {
  if (!/^\+?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 && n <= 0xffff_ffff ? n : undefined;
}

/** A rate in (0, 1], kept to 1/10000 (GreptimeDB stores it as an integer count of ten-thousandths). */
function falsePositiveRate(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return undefined;
  const v = Number(text);
  return v > 0 && v <= 1 ? Math.trunc(v * 10000) / 10000 : undefined;
}

/**
 * FULLTEXT INDEX options from its `WITH` map (keys already checked), with
 * GreptimeDB's defaults: English, case-insensitive, bloom backend, granularity
 * 10240, false positive rate 0.01. Values are matched case-insensitively.
 */
export function fulltextIndexOptions(options: ReadonlyMap<string, string>): FulltextIndexOptions {
  const bad = (msg: string) => new InvalidArgumentsError(`Invalid fulltext option: ${msg}`);
  let analyzer: FulltextIndexOptions['analyzer'] = 'English';
  const a = options.get('analyzer');
  if (a !== undefined) {
    if (a.toLowerCase() === 'english') analyzer = 'English';
    else if (a.toLowerCase() === 'chinese') analyzer = 'Chinese';
    else throw bad(`${a}, expected: 'English' | 'Chinese'`);
  }
  let caseSensitive = false;
  const cs = options.get('case_sensitive');
  if (cs !== undefined) {
    if (cs.toLowerCase() === 'true') caseSensitive = true;
    else if (cs.toLowerCase() !== 'false') throw bad(`${cs}, expected: 'true' | 'false'`);
  }
  let backend: FulltextIndexOptions['backend'] = 'bloom';
  const b = options.get('backend');
  if (b !== undefined) {
    if (b.toLowerCase() === 'tantivy') backend = 'tantivy';
    else if (b.toLowerCase() !== 'bloom') throw bad(`${b}, expected: 'bloom' | 'tantivy'`);
  }
  let granularity = DEFAULT_INDEX_GRANULARITY;
  let rate = DEFAULT_INDEX_FALSE_POSITIVE_RATE;
  // As GreptimeDB: granularity and the rate only mean something to the bloom backend, which alone checks them.
  if (backend === 'bloom') {
    const g = options.get('granularity');
    if (g !== undefined) granularity = positiveU32(g) ?? (() => { throw bad(`Invalid granularity: ${g}, expected: positive integer`); })();
    const r = options.get('false_positive_rate');
    if (r !== undefined) rate = falsePositiveRate(r) ?? (() => { throw bad(`Invalid false positive rate: ${r}, expected: 0.0 < rate <= 1.0`); })();
  }
  return { enabled: true, analyzer, caseSensitive, backend, granularity, falsePositiveRate: rate };
}

/** SKIPPING INDEX options from its `WITH` map (keys already checked); defaults: BLOOM, 10240, 0.01. */
export function skippingIndexOptions(options: ReadonlyMap<string, string>): SkippingIndexOptions {
  const bad = (msg: string) => new InvalidArgumentsError(`Invalid skipping index option: ${msg}`);
  const g = options.get('granularity');
  const granularity = g === undefined ? DEFAULT_INDEX_GRANULARITY : positiveU32(g) ?? (() => { throw bad(`Invalid granularity: ${g}, expected: positive integer`); })();
  const r = options.get('false_positive_rate');
  const rate = r === undefined ? DEFAULT_INDEX_FALSE_POSITIVE_RATE : falsePositiveRate(r) ?? (() => { throw bad(`Invalid false positive rate: ${r}, expected: 0.0 < rate <= 1.0`); })();
  const t = options.get('type');
  if (t !== undefined && t.toUpperCase() !== 'BLOOM') throw bad(`Invalid index type: ${t}, expected: 'BLOOM'`);
  return { type: 'BLOOM', granularity, falsePositiveRate: rate };
}

/**
 * The index options of a column definition (CREATE TABLE, ADD COLUMN), with
 * GreptimeDB's checks: each kind at most once, INDEX after FULLTEXT, known
 * keys only, FULLTEXT on strings only, no options for INVERTED INDEX.
 */
export function columnIndexOptions(column: string, type: DataType, defs: readonly IndexDefinition[] | undefined): ColumnIndexOptions | undefined {
  if (!defs?.length) return undefined;
  let inverted = false;
  let fulltext: FulltextIndexOptions | undefined;
  let skipping: SkippingIndexOptions | undefined;
  for (const d of defs) {
    switch (d.kind) {
      case 'inverted':
        if (inverted) throw columnOptionError(column, 'duplicated INVERTED index option');
        if (d.withClause) throw columnOptionError(column, "INVERTED index doesn't support options");
        inverted = true;
        break;
      case 'fulltext':
        if (d.missingIndexKeyword) throw columnOptionError(column, 'expect INDEX after FULLTEXT keyword');
        if (fulltext) throw columnOptionError(column, 'duplicated FULLTEXT INDEX option');
        if (type.name !== 'String') throw columnOptionError(column, 'FULLTEXT index only supports string type');
        fulltext = fulltextIndexOptions(indexOptionMap(column, d.options, FULLTEXT_INDEX_KEYS, 'FULLTEXT INDEX'));
        break;
      case 'skipping':
        if (skipping) throw columnOptionError(column, 'duplicated SKIPPING index option');
        skipping = skippingIndexOptions(indexOptionMap(column, d.options, SKIPPING_INDEX_KEYS, 'SKIPPING INDEX'));
        break;
      default:
        throw columnOptionError(column, `unknown index kind ${d.kind}`);
    }
  }
  return { ...(inverted ? { inverted } : {}), ...(fulltext ? { fulltext } : {}), ...(skipping ? { skipping } : {}) };
}

/** The index options left after dropping one kind; undefined when none remain. */
export function withoutIndexKind(indexes: ColumnIndexOptions | undefined, kind: 'inverted' | 'skipping'): ColumnIndexOptions | undefined {
  if (!indexes) return undefined;
  const { [kind]: _dropped, ...rest } = indexes;
  return Object.keys(rest).length ? rest : undefined;
}

/** Whether the column has an enabled index of each kind (a FULLTEXT unset by ALTER keeps its options but is off). */
export function indexKindsOf(c: ColumnSchema): { inverted: boolean; fulltext?: FulltextIndexOptions; skipping?: SkippingIndexOptions } {
  const x = c.indexes;
  return {
    inverted: x?.inverted === true,
    ...(x?.fulltext?.enabled ? { fulltext: x.fulltext } : {}),
    ...(x?.skipping ? { skipping: x.skipping } : {}),
  };
}

/** A rate as GreptimeDB prints an f64 ('0.01', '0.0001'). */
function rateText(r: number): string {
  return String(r);
}

/** `WITH(k = 'v', ...)` with keys sorted, as GreptimeDB prints option maps. */
function withClause(entries: Array<[string, string]>): string {
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `WITH(${entries.map(([k, v]) => `${k} = '${v.replace(/'/g, "''")}'`).join(', ')})`;
}

/**
 * The column's index clauses as SHOW CREATE TABLE prints them, in GreptimeDB's
 * order (FULLTEXT, SKIPPING, INVERTED), every option spelled out so the text
 * re-creates the same indexes; '' when the column has none.
 */
export function indexClausesSql(c: ColumnSchema): string {
  const k = indexKindsOf(c);
  let out = '';
  if (k.fulltext) {
    const f = k.fulltext;
    const entries: Array<[string, string]> = [['analyzer', f.analyzer], ['case_sensitive', String(f.caseSensitive)], ['backend', f.backend]];
    if (f.backend === 'bloom') entries.push(['granularity', String(f.granularity)], ['false_positive_rate', rateText(f.falsePositiveRate)]);
    out += ` FULLTEXT INDEX ${withClause(entries)}`;
  }
  if (k.skipping) {
    const s = k.skipping;
    out += ` SKIPPING INDEX ${withClause([['granularity', String(s.granularity)], ['false_positive_rate', rateText(s.falsePositiveRate)], ['type', s.type]])}`;
  }
  if (k.inverted) out += ' INVERTED INDEX';
  return out;
}

/** GreptimeDB's index type names (SHOW INDEX `Index_type`, statistics `greptime_index_type`). */
export const GREPTIME_INDEX_TYPES = {
  primary: 'greptime-primary-key-v1',
  inverted: 'greptime-inverted-index-v1',
  fulltextBloom: 'greptime-fulltext-index-bloom',
  fulltextTantivy: 'greptime-fulltext-index-v1',
  skipping: 'greptime-bloom-filter-v1',
} as const;
