import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

describe('sql executor: a long statement lets the event loop turn (timers and sockets are served meanwhile)', function () {
  this.timeout(30_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  it('a timer set while a multi-second join runs fires long before the join ends', async () => {
    await h.q('CREATE TABLE j (k STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (k))');
    const values: string[] = [];
    for (let i = 0; i < 2500; i++) values.push(`('a', ${i}, ${i})`);
    await h.q(`INSERT INTO j VALUES ${values.join(',')}`);
    // 2,500 x 2,500 rows of one key: 6.25 M pairs, produced a million at a time.
    const t0 = performance.now();
    let firedAt = -1;
    const big = h.rows('SELECT count(*), sum(a.v) FROM j a JOIN j b ON a.k = b.k').then((r) => ({ r, doneAt: performance.now() - t0 }));
    setTimeout(() => { firedAt = performance.now() - t0; }, 1);
    const { r, doneAt } = await big;
    expect(r).to.deep.equal([[6_250_000, 2500 * (2499 * 2500) / 2]]);
    // Meaningful only when the join takes a while: then the timer must not wait for it.
    expect(doneAt).to.be.greaterThan(150);
    expect(firedAt).to.be.greaterThan(0);
    expect(firedAt).to.be.lessThan(doneAt / 2);
  });
});
