import type { BenchResults } from '../bench-run.js';

const n0 = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const mib = (b: number | undefined): string => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 1 : 0)} MiB`);
const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : v < 10 ? v.toFixed(2) : v.toFixed(1));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

/** The run as Markdown tables (printed to the terminal and saved next to the JSON). */
export function renderTextReport(r: BenchResults): string {
  const out: string[] = [];
  const o = r.options;
  out.push(`## TSBS cpu-only, ${o.hosts} hosts x ${o.hours} h at 10 s: ${n0(r.data.rows)} rows, ${n0(r.data.metrics)} metrics (seed ${o.seed})`);
  out.push('');
  out.push(`Machine: ${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, ${r.machine.os}, Node ${r.machine.node}; load average ${r.machine.loadAvg1mStart.toFixed(1)} at start, ${r.machine.loadAvg1mEnd.toFixed(1)} at end. ` +
    `Run ${r.startedAt}, ${r.durationS.toFixed(0)} s. Load: ${loadPath(o.protocol)}, ${o.workers} writers x ${o.batchLines} rows; Strata WAL syncMode ${o.walSyncMode}.`);
  out.push('');
  const sysRows = r.systems.map((s) => [
    s.name,
    s.version,
    s.load ? n0(s.load.rowsPerSec) : s.name === 'duckdb' ? '(ref)' : 'n/a',
    s.load ? n0(s.load.metricsPerSec) : 'n/a',
    s.loadCoresUsed !== undefined ? s.loadCoresUsed.toFixed(2) : 'n/a',
    s.bytesPerRow !== undefined ? s.bytesPerRow.toFixed(1) : 'n/a',
    mib(s.bytesOnDisk),
    s.name === 'duckdb' ? '(in bench)' : mib(s.peakRssBytes),
    [s.error ? `ERROR: ${s.error}` : '', s.sqlInsertLoad ? `SQL INSERT: ${n0(s.sqlInsertLoad.rowsPerSec)} rows/s` : '', ...s.notes]
      .filter(Boolean).join('; ').slice(0, 200),
  ]);
  for (const u of r.unavailable) sysRows.push([u.name, '-', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', `unavailable: ${u.reason}`]);
  out.push(table(['system', 'version', 'rows/s', 'metrics/s', 'cores (load)', 'bytes/row', 'on disk', 'peak RSS', 'notes'], sysRows));
  if (r.queries.length) {
    out.push('');
    const names = ['strata', ...r.systems.map((s) => s.name).filter((n) => n !== 'strata')];
    const others = names.filter((n) => n !== 'strata');
    const header = ['query', ...names.map((n) => `${n} ms`), ...others.map((n) => `strata/${n}`), 'strata rows scanned'];
    const rows = r.queries.map((q) => {
      const get = (n: string) => q.results.find((x) => x.target === n);
      const cell = (n: string) => {
        const x = get(n);
        if (!x) return '-';
        if (!x.supported) return 'n/a';
        if (x.error && !Number.isFinite(x.medianMs)) return 'FAIL';
        return ms(x.medianMs) + (x.error ? ' (FAIL)' : '');
      };
      const s = get('strata');
      const ratios = others.map((n) => {
        const x = get(n);
        if (!s || !x || !Number.isFinite(s.medianMs) || !Number.isFinite(x.medianMs) || s.error || x.error) return '-';
        return (s.medianMs / x.medianMs).toFixed(2) + 'x';
      });
      const scanned = q.strataRowsScanned !== undefined ? `${n0(q.strataRowsScanned)} (${((100 * q.strataRowsScanned) / r.data.rows).toFixed(1)}%)` : 'n/a';
      return [q.type, ...names.map(cell), ...ratios, scanned];
    });
    out.push(`Queries: median over ${o.queriesPerType} random instances x ${o.repeats} runs, after an untimed pass over ${o.warmups ?? 0} other random instances of every type and one run of each type's first instance (ratio > 1: Strata slower)`);
    out.push('');
    out.push(table(header, rows));
    const failures = r.queries.flatMap((q) => q.results.filter((x) => x.error).map((x) => `- ${x.target} ${q.type}: ${x.error}`));
    if (failures.length) out.push('', 'Failures:', ...failures);
  }
  if (r.targets.length) {
    out.push('');
    out.push(table(['issue', 'target', 'strata', 'reference', 'met'], r.targets.map((t) => [
      `#${t.issue}`, t.target, t.strata, t.reference, t.met === null ? 'not measured' : t.met ? 'yes' : 'NO',
    ])));
  }
  if (r.notes.length) out.push('', ...r.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

/** What Strata was loaded through (peers: line protocol, Prometheus remote write). Old results files have no protocol: HTTP. */
export function loadPath(protocol: string | undefined): string {
  switch (protocol ?? 'http') {
    case 'grpc': return 'Strata over gRPC row inserts (GreptimeDatabase/Handle), peers line protocol over HTTP';
    case 'flight': return 'Strata over Arrow Flight DoPut, peers line protocol over HTTP';
    case 'sql': return 'Strata over SQL INSERT (at most 1000 rows a statement), peers line protocol over HTTP';
    default: return 'line protocol over HTTP';
  }
}
