// Every Arrow IPC writer goes through the kernel's batchesToIpc: apache-arrow's own
// writers write a batch whose columns share a buffer (`SELECT v, v AS w`) short, so
// unreadable, unless each batch is un-shared first, which batchesToIpc always does.
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HELPER = path.join('kernel', 'src', 'data', 'arrow-ipc.ts');
const WRITER = /\b(tableToIPC|RecordBatchWriter|RecordBatchStreamWriter|RecordBatchFileWriter|RecordBatchJSONWriter)\b/;

function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('repository: Arrow IPC writers', () => {
  it('no package source uses apache-arrow\'s IPC writers directly (batchesToIpc does)', () => {
    const roots = ['kernel', 'sdk', 'bench'].map((d) => path.join(repo, d, 'src'));
    for (const parent of ['plugins', 'templates']) {
      for (const p of readdirSync(path.join(repo, parent))) roots.push(path.join(repo, parent, p, 'src'));
    }
    const offenders: string[] = [];
    for (const root of roots) {
      for (const f of sources(root)) {
        const rel = path.relative(repo, f);
        if (rel === HELPER) continue;
        readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
          // Code only: a comment may name the writer it explains.
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          if (WRITER.test(code)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offenders).to.deep.equal([]);
  });
});
