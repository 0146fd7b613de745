import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildBinMapper, numericBin } from './bin-mapper.js';

describe('buildBinMapper', () => {
  it('gives each distinct value its own bin when there are few, plus a missing bin', () => {
    const m = buildBinMapper({ name: 'x', kind: 'numeric' }, Float64Array.of(3, 1, 2, 2, NaN, 1), 255);
    assert.equal(m.numBins, 4);
    assert.deepEqual([1, 2, 3, NaN].map((v) => numericBin(m.upperBounds, v)), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(m.counts), [2, 2, 1, 1]);
    assert.ok(m.usable);
  });

  it('cuts many distinct values at quantiles into at most maxBins bins', () => {
    const values = Float64Array.from({ length: 10_000 }, (_, i) => (i < 4000 ? 0 : i));
    const m = buildBinMapper({ name: 'x', kind: 'numeric' }, values, 16);
    assert.ok(m.numBins - 1 <= 16, `${m.numBins - 1} value bins`);
    assert.equal(m.counts[0], 4000, 'the repeated value has a bin of its own');
    // the other bins share the rest roughly evenly
    for (let b = 1; b < m.numBins - 1; b++) assert.ok(m.counts[b]! > 200 && m.counts[b]! < 800, `bin ${b}: ${m.counts[b]}`);
    // bins are ordered: every value lies within its bin's bounds
    for (const v of values) {
      const b = numericBin(m.upperBounds, v);
      assert.ok(v <= m.upperBounds[b]! && (b === 0 || v > m.upperBounds[b - 1]!));
    }
  });

  it('marks a constant feature unusable, and one constant but sometimes missing usable', () => {
    assert.equal(buildBinMapper({ name: 'x', kind: 'numeric' }, new Float64Array(10).fill(2), 255).usable, false);
    assert.equal(buildBinMapper({ name: 'x', kind: 'numeric' }, Float64Array.of(2, 2, NaN), 255).usable, true);
    const cat = buildBinMapper({ name: 'k', kind: 'categorical', levels: ['a', 'b', 'c'] }, Float64Array.of(1, 1, NaN, 2), 255);
    assert.equal(cat.numBins, 4);
    assert.deepEqual(Array.from(cat.counts), [0, 2, 1, 1]);
  });
});
