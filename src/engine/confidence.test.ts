import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from './gbdt/random.js';
import { Z90, calibrateScale } from './confidence.js';

/** n errors whose true spread per sale is `scales[i]`, drawn from a normal or a Laplace law. */
function errors(n: number, law: 'normal' | 'laplace', seed: number): { errors: Float64Array; scales: Float64Array } {
  const rng = new SeededRandom(seed);
  const out = new Float64Array(n);
  const scales = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    scales[i] = 0.05 + 0.2 * rng.next();
    const u = rng.next() || 1e-12;
    const v = rng.next();
    const z = law === 'normal' ? Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) : (v < 0.5 ? 1 : -1) * Math.log(u) / Math.SQRT2;
    out[i] = scales[i]! * z;
  }
  return { errors: out, scales };
}

describe('calibrateScale', () => {
  it('recovers the scale of normal errors: 68% within ±1 FSD and 90% within the 90% range', () => {
    const { errors: e, scales } = errors(20_000, 'normal', 1);
    // raw scales off by a factor of 2: the calibration puts it back
    const fit = calibrateScale(e, Float64Array.from(scales, (s) => s / 2));
    assert.ok(Math.abs(fit.scale - 2) < 0.06, `scale ${fit.scale}`);
    assert.ok(Math.abs(fit.within1 - 0.68) < 0.01 && Math.abs(fit.within90 - 0.9) < 0.01, JSON.stringify(fit));
  });

  it('with heavy tails, keeps both coverages inside their bands (64–72%, 87–93%)', () => {
    const { errors: e, scales } = errors(20_000, 'laplace', 2);
    const fit = calibrateScale(e, scales);
    assert.ok(fit.within1 >= 0.64 && fit.within1 <= 0.72, `within ±1 FSD ${fit.within1}`);
    assert.ok(fit.within90 >= 0.87 && fit.within90 <= 0.93, `within the 90% range ${fit.within90}`);
    // the compromise leans to the tighter band: the 90% miss is no larger than its share of the tolerance
    assert.ok(Math.abs(fit.within90 - 0.9) / 0.03 <= Math.abs(fit.within1 - 0.68) / 0.04 + 0.05, JSON.stringify(fit));
    let inside = 0;
    for (let i = 0; i < e.length; i++) if (Math.abs(e[i]!) <= Z90 * fit.scale * scales[i]!) inside++;
    assert.equal(inside / e.length, fit.within90);
  });

  it('refuses an empty calibration set', () => {
    assert.throws(() => calibrateScale([], []), /no calibration sales/);
  });
});
