import { expect } from 'chai';
import type { ScriptService, StoredScript } from '@strata/kernel';
import { scriptsTable } from '../src/index.js';

function stored(database: string, name: string, source: string, createdAtMs: number, updatedAtMs: number): StoredScript {
  return { database, name, source, language: 'python', createdAtMs, updatedAtMs, signature: { name, args: [], returns: [{ name: 'x' }] } };
}

/** Only list() is read by the table. */
function fakeScripts(all: StoredScript[]): ScriptService {
  const no = () => { throw new Error('not used'); };
  return { list: async () => all, submit: no, run: no, get: no, delete: no };
}

describe('coprocessor-python: the scripts system table', () => {
  it('has GreptimeDB\'s columns and one row per stored script, as Arrow batches', async () => {
    const t = scriptsTable(fakeScripts([stored('db1', 'a', 'src a', 1000, 2000), stored('public', 'b', 'src b', 3000, 3000)]));
    expect([t.database, t.name]).to.deep.equal(['public', 'scripts']);
    const names = t.columns.map((c) => c.name);
    expect(names).to.deep.equal(['schema', 'name', 'engine', 'script', 'greptime_timestamp', 'gmt_created', 'gmt_modified']);
    const batches = await t.rows({} as never);
    expect(batches).to.have.length(1);
    const b = batches[0]!;
    const row = (i: number) => names.map((n) => { const v = b.getChild(n)!.get(i); return typeof v === 'bigint' ? Number(v) : v; });
    expect(b.numRows).to.equal(2);
    expect(row(0)).to.deep.equal(['db1', 'a', 'python', 'src a', 0, 1000, 2000]);
    expect(row(1)).to.deep.equal(['public', 'b', 'python', 'src b', 0, 3000, 3000]);
  });

  it('is empty without scripts', async () => {
    expect(await scriptsTable(fakeScripts([])).rows({} as never)).to.deep.equal([]);
  });
});
