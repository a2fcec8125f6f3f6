import { expect } from 'chai';
import { seededRandom } from '@strata/kernel';
import { seriesEnd } from '../src/merge-chunks.js';

describe('engine-lsm: merge helpers', () => {
  it('seriesEnd finds where a run of one __pk_id ends, as a linear scan does', () => {
    const r = seededRandom(11);
    for (let t = 0; t < 200; t++) {
      const pk: number[] = [];
      let p = Math.floor(r() * 5);
      const n = 1 + Math.floor(r() * 300);
      while (pk.length < n) {
        const run = 1 + Math.floor(r() * (r() < 0.3 ? 2 : 100));
        for (let k = 0; k < run && pk.length < n; k++) pk.push(p);
        p += 1 + Math.floor(r() * 3);
      }
      const a = Int32Array.from(pk);
      for (let s = 0; s < n; s++) {
        let e = s + 1;
        while (e < n && a[e] === a[s]) e++;
        expect(seriesEnd(a, s, n), `case ${t} from ${s}`).to.equal(e);
      }
      // A bound below the array's length is the end of the search.
      if (n > 2) expect(seriesEnd(a, 0, 1)).to.equal(1);
    }
  });
});
