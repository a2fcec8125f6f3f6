// Keeps the build honest on a fresh clone: `tsc -b` builds a project only after the
// projects it references, so every workspace package a project imports must be a
// project reference (otherwise the first build fails with TS2307).
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function packageDirs(): string[] {
  const dirs = ['kernel', 'sdk', 'test', 'bench'].map((d) => path.join(repo, d));
  for (const p of readdirSync(path.join(repo, 'plugins'))) dirs.push(path.join(repo, 'plugins', p));
  return dirs.filter((d) => existsSync(path.join(d, 'package.json')) && existsSync(path.join(d, 'tsconfig.json')));
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('repository', () => {
  it('every project references the workspace packages it imports', () => {
    const byName = new Map<string, string>();
    for (const d of packageDirs()) byName.set(JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')).name as string, d);
    const problems: string[] = [];
    for (const [name, dir] of byName) {
      const tsconfig = JSON.parse(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')) as { references?: Array<{ path: string }> };
      const refs = new Set((tsconfig.references ?? []).map((r) => path.resolve(dir, r.path)));
      const imported = new Set<string>();
      for (const f of sources(dir)) {
        // Static imports only: a dynamic import of a computed string (the kernel's wal-node hook) is a run-time lookup.
        for (const m of readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\s+)['"](@strata\/[a-z0-9-]+)['"]/g)) imported.add(m[1]!);
      }
      imported.delete(name);
      for (const dep of imported) {
        const depDir = byName.get(dep);
        if (depDir && !refs.has(depDir)) problems.push(`${path.relative(repo, dir)}/tsconfig.json must reference ${path.relative(dir, depDir)} (it imports ${dep})`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('the root tsconfig lists every package', () => {
    const root = JSON.parse(readFileSync(path.join(repo, 'tsconfig.json'), 'utf8')) as { references: Array<{ path: string }> };
    const listed = new Set(root.references.map((r) => path.resolve(repo, r.path)));
    const missing = packageDirs().filter((d) => !listed.has(d)).map((d) => path.relative(repo, d));
    expect(missing).to.deep.equal([]);
  });
});
