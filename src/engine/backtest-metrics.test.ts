import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyFigures, summariseBacktest, type BacktestCase } from './backtest-metrics.js';

const base = { propertyType: 'House', region: 'north', tier: 1 };
const cases: BacktestCase[] = [
  { ...base, actual: 100_000, predicted: 105_000, fsd: 0.1 }, // ape 0.05, within 1 FSD
  { ...base, actual: 100_000, predicted: 90_000, fsd: 0.1 }, // ape 0.10, |a/p-1| = 0.111 > 0.1, < 0.1645
  { ...base, actual: 200_000, predicted: 260_000, fsd: 0.1 }, // ape 0.30, outside the range
  { ...base, actual: 300_000, predicted: null, fsd: null, tier: null }, // no value
];

describe('backtest figures', () => {
  it('computes the documented ratios as fractions', () => {
    const f = accuracyFigures(cases);
    assert.equal(f.count, 4);
    assert.equal(f.valued, 3);
    assert.equal(f.hit_rate, 0.75);
    assert.ok(Math.abs(f.mdape! - 0.1) < 1e-12);
    assert.ok(Math.abs(f.pe10! - 2 / 3) < 1e-12);
    assert.ok(Math.abs(f.pe20! - 2 / 3) < 1e-12);
    assert.ok(Math.abs(f.median_ratio! - 1.05) < 1e-12);
    assert.ok(Math.abs(f.fsd_within_1! - 1 / 3) < 1e-12);
    assert.ok(Math.abs(f.range90_coverage! - 2 / 3) < 1e-12);
    // COD: mean |r - 1.05| / 1.05 with ratios 1.05, 0.9, 1.3.
    assert.ok(Math.abs(f.cod! - (0 + 0.15 + 0.25) / 3 / 1.05) < 1e-12);
    // PRD: mean ratio / (sum predicted / sum actual).
    assert.ok(Math.abs(f.prd! - ((1.05 + 0.9 + 1.3) / 3) / (455_000 / 400_000)) < 1e-12);
    assert.equal(typeof f.prb, 'number');
  });

  it('breaks the figures down by type, price band, region and tier', () => {
    const s = summariseBacktest(cases);
    assert.deepEqual(Object.keys(s.by_price_band), ['100k-200k', '200k-400k']);
    assert.equal(s.by_price_band['100k-200k']!.count, 2);
    assert.equal(s.by_region['north']!.valued, 3);
    assert.equal(s.by_tier['tier 1']!.count, 3);
  });

  it('gives nulls, not NaN, when nothing was valued', () => {
    const f = accuracyFigures([{ ...base, actual: 1, predicted: null, fsd: null, tier: null }]);
    assert.equal(f.hit_rate, 0);
    assert.equal(f.mdape, null);
  });
});
