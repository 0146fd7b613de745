import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IndexNowcast } from './nowcast.js';

describe('IndexNowcast', () => {
  const days = [100, 110, 120, 130, 200];
  const residuals = [0.1, 0.1, 0.1, 0.1, 0.5];
  const nowcast = IndexNowcast.fromSales(days, residuals, { windowDays: 91, kappa: 4 });

  it('uses only sales strictly before the valuation date, inside the window', () => {
    assert.equal(nowcast.adjustment(100), 0); // nothing before day 100
    assert.ok(Math.abs(nowcast.adjustment(101) - (0.1 * 1) / 5) < 1e-12); // one sale, shrunk 1/(1+4)
    assert.ok(Math.abs(nowcast.adjustment(131) - (0.1 * 4) / 8) < 1e-12);
    // Day 200's own sale is not used when valuing on day 200, and day 100 has left the window.
    assert.ok(Math.abs(nowcast.adjustment(200) - (0.1 * 3) / 7) < 1e-12);
  });

  it('is zero without later sales', () => {
    assert.equal(IndexNowcast.empty().adjustment(1000), 0);
  });
});
