import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Differences found by running GreptimeDB's sqlness cases (tests/cases/standalone/common/...)
 * against Strata, third round: join/, select/, function/string, show/, information_schema/, alter/, types/.
 */
describe('sql: sqlness sweep 3', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  it('bit_length counts UTF-8 bits (function/string/length)', async () => {
    expect(await h.rows("SELECT bit_length('hello'), bit_length(''), bit_length('世界'), bit_length(NULL)"))
      .to.deep.equal([[40, 0, 48, null]]);
  });

  it('replace with an empty search string returns the input unchanged (function/string/replace)', async () => {
    expect(await h.rows("SELECT replace('hello world', '', 'xyz'), replace('aaa', 'aa', 'b')")).to.deep.equal([['hello world', 'ba']]);
  });

  it('build() gives the build text as key: value lines (select/system)', async () => {
    const [[text]] = await h.rows('SELECT build()') as [[string]];
    expect(text.split('\n').map((l) => l.split(':')[0])).to.deep.equal(['branch', 'commit', 'commit short', 'dirty', 'version']);
    expect(text).to.match(/^version: \d+\.\d+\.\d+$/m);
  });
});
