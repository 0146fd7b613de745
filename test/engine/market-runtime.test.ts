// Training from the store in a worker thread, saving the model, loading the runtime and valuing, on a
// real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), with a real bundled market.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDay } from '../../src/engine/calendar.js';
import { parseMarketModel } from '../../src/engine/market-model.js';
import { ensureBundledMarkets } from '../../src/services/markets/ensure-bundled-markets.js';
import { MarketRuntime } from '../../src/services/market-runtime.js';
import { trainMarket } from '../../src/services/training/train-market.js';
import { listActiveModels, saveModel } from '../../src/store/repositories/models.js';
import { prepareEngine } from '../../src/services/prepare-engine.js';
import { storeTargetNames, withStore } from '../support/stores.js';

const subject = { latitude: 38.631913, longitude: -121.434879, attributes: { floor_area: 1200, bedrooms: 3, bathrooms: 2, property_type: 'houses' } };

for (const name of storeTargetNames()) {
  describe(`market runtime on ${name}`, () => {
    it('trains in a worker, saves the model, and values the same after a restart', async () => {
      await withStore(name, async (store) => {
        await ensureBundledMarkets(store, { only: ['sacramento-ca'] });
        const before = await MarketRuntime.load(store);
        assert.equal(before.isReady('sacramento-ca'), false, 'no model before training');
        assert.throws(() => before.value('sacramento-ca', subject, { asOf: parseDay('2008-06-01') }), /not ready/);

        const trained = await trainMarket(store, { marketId: 'sacramento-ca' });
        assert.equal(trained.artifact.trainedUntil, '2008-05-15');
        const saved = await listActiveModels(store.db, 'sacramento-ca');
        assert.equal(saved.length, 1);
        assert.equal(saved[0]!.content, trained.content, 'the saved bytes are the trained bytes');
        assert.equal(parseMarketModel(saved[0]!.content).modelVersion, saved[0]!.modelVersion);

        const runtime = await MarketRuntime.load(store);
        assert.equal(runtime.isReady(), true);
        assert.equal(runtime.marketAt(subject.latitude, subject.longitude), 'sacramento-ca');
        assert.equal(runtime.marketAt(51.5, -0.1), null, 'London is outside every loaded market');
        const outcome = runtime.value('sacramento-ca', subject, { asOf: parseDay('2008-06-01'), numComparables: 3 });
        assert.equal(outcome.modelVersion, trained.artifact.modelVersion);
        if (outcome.status === 'success') {
          assert.ok(outcome.value > 20_000 && outcome.value < 2_000_000);
          assert.equal(outcome.comparables.length, 3);
        } else {
          assert.ok(['below_confidence_threshold', 'insufficient_comparables'].includes(outcome.reason));
        }

        // Training again with the same data and seed is the same model: still one active row.
        const again = await trainMarket(store, { marketId: 'sacramento-ca', inProcess: true });
        assert.equal(again.content, trained.content, 'worker and in-process training agree byte for byte');
        assert.equal((await listActiveModels(store.db, 'sacramento-ca')).length, 1);
        const restarted = await MarketRuntime.load(store);
        assert.deepEqual(restarted.value('sacramento-ca', subject, { asOf: parseDay('2008-06-01'), numComparables: 3 }), outcome);
      });
    });

    it('retires a model an older engine wrote and trains a new one on start', async () => {
      await withStore(name, async (store) => {
        await ensureBundledMarkets(store, { only: ['sacramento-ca'] });
        await saveModel(store.db, { marketId: 'sacramento-ca', modelVersion: 'old', trainedUntil: '2008-05-15', dataFingerprint: 'x', content: JSON.stringify({ format: 'valora-market-model', formatVersion: 1 }) });
        const engine = await prepareEngine(store, { markets: ['sacramento-ca'] });
        assert.equal(engine.isReady('sacramento-ca'), true);
        const active = await listActiveModels(store.db, 'sacramento-ca');
        assert.deepEqual(active.map((m) => m.modelVersion === 'old'), [false]);
      });
    });
  });
}
