import type { BenchResults } from '../bench-run.js';
import { loadPath } from './text-report.js';

const COLORS: Record<string, string> = {
  strata: '#2f6fdf',
  influxdb: '#d9822b',
  victoriametrics: '#7a4fbf',
  duckdb: '#3a9a5b',
  prometheus: '#c0392b',
};
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A self-contained SVG: ingest rows/s per system (linear bars) and each
 * query's median per system (log-scale bars, since medians span decades).
 */
export function renderSvgChart(r: BenchResults): string {
  const W = 960;
  const parts: string[] = [];
  let y = 30;
  parts.push(`<text x="20" y="${y}" font-size="16" font-weight="bold">${esc(
    `Strata bench ${r.mode}: TSBS cpu-only ${r.options.hosts} hosts x ${r.options.hours} h (${r.data.rows} rows), ${r.startedAt.slice(0, 16)}Z`,
  )}</text>`);
  y += 18;
  parts.push(`<text x="20" y="${y}" font-size="11" fill="#555">${esc(`${r.machine.cpus} x ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`)}</text>`);
  y += 30;

  const loaded = r.systems.filter((s) => s.load);
  if (loaded.length) {
    parts.push(`<text x="20" y="${y}" font-size="13" font-weight="bold">Ingest, rows/s (${loadPath(r.options.protocol)}, ${r.options.workers} writers x ${r.options.batchLines} rows)</text>`);
    y += 12;
    const max = Math.max(...loaded.map((s) => s.load!.rowsPerSec));
    for (const s of loaded) {
      const w = Math.max(1, ((W - 360) * s.load!.rowsPerSec) / max);
      parts.push(`<text x="20" y="${y + 15}" font-size="12">${esc(s.name)}</text>`);
      parts.push(`<rect x="160" y="${y + 3}" width="${w.toFixed(1)}" height="16" fill="${COLORS[s.name] ?? '#888'}"/>`);
      parts.push(`<text x="${(165 + w).toFixed(1)}" y="${y + 15}" font-size="11">${Math.round(s.load!.rowsPerSec).toLocaleString('en-US')}` +
        `${s.bytesPerRow !== undefined ? ` (${s.bytesPerRow.toFixed(1)} B/row)` : ''}</text>`);
      y += 22;
    }
    y += 20;
  }

  if (r.queries.length) {
    const names = [...new Set(r.queries.flatMap((q) => q.results.filter((x) => Number.isFinite(x.medianMs)).map((x) => x.target)))];
    const all = r.queries.flatMap((q) => q.results.filter((x) => Number.isFinite(x.medianMs)).map((x) => x.medianMs));
    if (all.length) {
      parts.push(`<text x="20" y="${y}" font-size="13" font-weight="bold">Query medians, ms (log scale; shorter is faster)</text>`);
      y += 10;
      let lx = 420;
      for (const n of names) {
        parts.push(`<rect x="${lx}" y="${y - 19}" width="10" height="10" fill="${COLORS[n] ?? '#888'}"/><text x="${lx + 14}" y="${y - 10}" font-size="11">${esc(n)}</text>`);
        lx += 120;
      }
      const lo = Math.log10(Math.max(0.01, Math.min(...all) / 2));
      const hi = Math.log10(Math.max(...all) * 1.5);
      const scale = (v: number) => ((W - 360) * (Math.log10(Math.max(v, 0.01)) - lo)) / Math.max(1e-9, hi - lo);
      for (const q of r.queries) {
        parts.push(`<text x="20" y="${y + 14}" font-size="12">${esc(q.type)}</text>`);
        for (const n of names) {
          const x = q.results.find((t) => t.target === n);
          const label = !x ? '' : !x.supported ? 'n/a' : Number.isFinite(x.medianMs) ? `${x.medianMs < 10 ? x.medianMs.toFixed(2) : x.medianMs.toFixed(1)} ms${x.error ? ' (failed)' : ''}` : 'failed';
          if (x && Number.isFinite(x.medianMs)) {
            const w = Math.max(1, scale(x.medianMs));
            parts.push(`<rect x="180" y="${y + 3}" width="${w.toFixed(1)}" height="11" fill="${COLORS[n] ?? '#888'}"/>`);
            parts.push(`<text x="${(185 + w).toFixed(1)}" y="${y + 13}" font-size="10">${esc(label)}</text>`);
          } else if (label) {
            parts.push(`<text x="185" y="${y + 13}" font-size="10" fill="#a00">${esc(n + ': ' + label)}</text>`);
          }
          y += 13;
        }
        y += 10;
      }
    }
  }
  y += 10;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n` +
    parts.join('\n') +
    '\n</svg>\n'
  );
}
