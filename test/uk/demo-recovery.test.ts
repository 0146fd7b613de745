// The engine recovers the demo market's documented price process (docs/uk-data.md): the out-of-time error
// is near the generator's noise, and the market index follows the generator's monthly index.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureDemoUkMarket } from '../../src/data/uk/ensure-demo-market.js';
import { DEMO_MARKET_ID } from '../../src/data/uk/generate-demo.js';
import { NOISE_SD, priceIndex } from '../../src/data/uk/demo-price-model.js';
import { loadSalesFrame } from '../../src/services/markets/load-sales-frame.js';
import { trainMarketModel } from '../../src/engine/train-market-model.js';
import { parseDay } from '../../src/engine/calendar.js';
import { PriceIndex } from '../../src/engine/price-index.js';
import type { MarketConfig } from '../../src/engine/types.js';
import { withStore } from '../support/stores.js';
import { tempDir } from './fixtures.js';

describe('the engine on the synthetic UK demo market', () => {
  it('values out of time close to the noise floor and recovers the monthly index', async () => {
    await withStore('sqlite', async (store) => {
      await ensureDemoUkMarket(store, { dataDir: tempDir() });
      const frame = await loadSalesFrame(store, DEMO_MARKET_ID);
      const row = await store.db.selectFrom('markets').select('config').where('id', '=', DEMO_MARKET_ID).executeTakeFirstOrThrow();
      const config = JSON.parse(row.config) as MarketConfig;
      const model = trainMarketModel(frame, config, { until: parseDay('2025-10-31'), valueParams: { numRounds: 400 } });

      // Noise of sd 0.10 in log price alone gives a median absolute error of about 0.6745 × 0.10 = 6.7%.
      assert.ok(model.calibration.mdape < 0.1, `out-of-time MdAPE ${model.calibration.mdape}`);
      assert.ok(model.calibration.mdape > 0.6745 * NOISE_SD * 0.8, `MdAPE ${model.calibration.mdape} is below the noise: the test would be leaking`);
      assert.ok(model.calibration.range90Coverage > 0.8 && model.calibration.range90Coverage < 0.98, `90% range coverage ${model.calibration.range90Coverage}`);

      const index = new PriceIndex(model.index);
      for (const [from, to] of [['2000-01-15', '2025-01-15'], ['2007-10-15', '2009-03-15'], ['2013-01-15', '2022-09-15']] as const) {
        const truth = priceIndex(to) / priceIndex(from);
        const got = index.factor(parseDay(from), parseDay(to));
        assert.ok(Math.abs(got / truth - 1) < 0.06, `${from} → ${to}: index factor ${got.toFixed(3)}, generated ${truth.toFixed(3)}`);
      }
    });
  });
});
