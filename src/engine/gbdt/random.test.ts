import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from './random.js';

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new SeededRandom(1);
    const b = new SeededRandom(1);
    const c = new SeededRandom(2);
    const seqA = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(seqA, Array.from({ length: 5 }, () => b.next()));
    assert.notDeepEqual(seqA, Array.from({ length: 5 }, () => c.next()));
    assert.ok(seqA.every((v) => v >= 0 && v < 1));
  });

  for (const k of [0, 3, 50, 97, 100]) {
    it(`samples exactly ${k} of 100 rows, ascending, the rest listed apart`, () => {
      const rng = new SeededRandom(9);
      const order = Int32Array.from({ length: 100 }, (_, i) => i);
      const chosen = new Int32Array(100);
      const rest = new Int32Array(100);
      for (let round = 0; round < 3; round++) {
        const restCount = rng.sample(100, k, chosen, rest, order, new Uint8Array(100));
        assert.equal(restCount, 100 - k);
        const picked = Array.from(chosen.subarray(0, k));
        const others = Array.from(rest.subarray(0, restCount));
        assert.deepEqual([...picked].sort((x, y) => x - y), picked);
        assert.deepEqual([...picked, ...others].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
      }
    });
  }
});
