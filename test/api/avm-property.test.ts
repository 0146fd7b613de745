import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames } from '../support/stores.js';
import { getBalance } from '../../src/services/ledger/get-balance.js';
import { createValuationContext } from '../../src/services/valuations/valuation-context.js';
import { valueAvmProperty } from '../../src/services/valuations/value-avm-property.js';
import { startTestApi, type TestApi } from './support/harness.js';
import { US_ORIGIN, usMarket } from './support/seed.js';

const Z95 = 1.959963984540054;

const point = { latitude: US_ORIGIN.latitude + 0.0012, longitude: US_ORIGIN.longitude + 0.0011 };

for (const name of storeTargetNames()) {
  describe(`POST /v1/avm/property on ${name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await startTestApi(name);
    });
    after(async () => api.close());

    it('values a subject outside the register from coordinates and PadStats fields, charging one credit', async () => {
      const { key, accountId } = await api.newAccount({ credits: 2 });
      const r = await api.call('POST', '/v1/avm/property', {
        key,
        via: 'x-api-key',
        body: {
          property_id: 'ref-001',
          location: point,
          search_params: { radius_mi: 5, num_comparables: 3 },
          property_fields: { total_bedrooms: 3, total_bathrooms: 2, living_area: 1800, year_built: 1995, property_type: 'houses' },
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.property_id, 'ref-001');
      assert.equal(r.body.status, 'complete');
      const v = r.body.data.valuation;
      assert.ok(Number.isInteger(v.point_value) && v.point_value > 0);
      assert.ok(v.confidence_interval_95.lower < v.point_value && v.point_value < v.confidence_interval_95.upper);
      // The 95% interval is value × (1 ± 1.96 FSD), to the rounding of the FSD (4 places) and of the dollars.
      const slack = v.point_value * Z95 * 0.00005 + 1;
      assert.ok(Math.abs(v.confidence_interval_95.lower - v.point_value * (1 - Z95 * v.fsd)) <= slack, JSON.stringify(v));
      assert.ok(Math.abs(v.confidence_interval_95.upper - v.point_value * (1 + Z95 * v.fsd)) <= slack, JSON.stringify(v));
      assert.ok(v.valuation_range_90.low > v.confidence_interval_95.lower && v.valuation_range_90.high < v.confidence_interval_95.upper);
      const tier = usMarket.confidence.tiers.find((t) => v.fsd <= t.maxFsd)!;
      assert.deepEqual([v.confidence_tier, v.fsd_band, v.fitch_haircut], [tier.tier, tier.band, tier.haircut]);
      const comparables = r.body.data.comparables;
      assert.equal(comparables.length, 3);
      for (const c of comparables) {
        assert.ok(c.distance_m <= usMarket.comparables.radiusKm * 1000 && c.sale_date < r.body.data.valuation_date && c.sale_price > 0);
        assert.ok(c.similarity > 0 && c.similarity <= 1);
        assert.equal(c.floor_area_sqm, Math.round(c.floor_area * 0.09290304 * 10) / 10);
      }
      const similarities = comparables.map((c: { similarity: number }) => c.similarity);
      assert.deepEqual(similarities, [...similarities].sort((x: number, y: number) => y - x), 'most similar first');
      assert.equal(r.body.data.market, 'test-us');
      assert.equal(r.body.data.currency, 'USD');
      assert.equal(r.body.data.area_unit, 'sqft');
      assert.equal(r.body.data.register_property_id, null);
      assert.equal(r.body.data.model_version, api.engine.markets().find((m) => m.id === 'test-us')!.modelVersion);
      // The base value plus every feature's contribution is the value (each rounded to cents, the value to dollars).
      const contributions = r.body.data.feature_contributions as Array<{ feature: string; contribution: number }>;
      assert.ok(contributions.some((c) => c.feature === 'floor_area'));
      const explained = r.body.data.base_value + contributions.reduce((t, c) => t + c.contribution, 0);
      assert.ok(Math.abs(explained - v.point_value) <= 2, `${explained} vs ${v.point_value}`);
      assert.equal(await getBalance(api.store.db, accountId), 1);
    });

    it('returns no comparables when num_comparables is 0', async () => {
      const { key } = await api.newAccount();
      const r = await api.call('POST', '/v1/avm/property', { key, body: { location: point, search_params: { num_comparables: 0 }, property_fields: { living_area: 1500 } } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.data.comparables, []);
      assert.equal('property_id' in r.body, false);
    });

    it('resolves an address in the register, and answers "Unable to geocode address" when none matches', async () => {
      const { key, accountId } = await api.newAccount({ credits: 5 });
      const found = await api.call('POST', '/v1/avm/property', { key, body: { location: { address: '7 wilmslow road' }, property_fields: {} } });
      assert.equal(found.status, 200, JSON.stringify(found.body));
      assert.equal(found.body.data.register_property_id, api.seeded.uk[6]);
      assert.equal(found.body.data.market, 'test-uk');
      assert.equal(found.body.status, 'complete');
      assert.ok(found.body.data.valuation.point_value > 0);
      const missing = await api.call('POST', '/v1/avm/property', { key, body: { location: { address: '123 Main St, Austin, TX 78701' }, property_fields: { living_area: 1800 } } });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { error: 'Unable to geocode address' });
      const several = await api.call('POST', '/v1/avm/property', { key, body: { location: { address: 'Palatine Road' }, property_fields: {} } });
      assert.equal(several.status, 400);
      assert.equal(several.body.candidates.length, 12);
      assert.equal(await getBalance(api.store.db, accountId), 4);
    });

    it('answers 422 naming the field for bad fields, unknown fields, bad types and places outside every market', async () => {
      const { key, accountId } = await api.newAccount({ credits: 5 });
      const cases: Array<[unknown, string]> = [
        [{ location: point, property_fields: { total_bedrooms: -2 } }, 'property_fields.total_bedrooms'],
        [{ location: point, property_fields: { property_type: 'castle' } }, 'property_fields.property_type'],
        [{ location: point, property_fields: { pool: 1 } }, 'property_fields.pool'],
        [{ location: { latitude: 95, longitude: 0 }, property_fields: {} }, 'location.latitude'],
        [{ location: { latitude: 10 }, property_fields: {} }, 'location.longitude'],
        [{ location: { latitude: 0, longitude: 0 }, property_fields: {} }, 'location'],
        [{ location: point, market: 'atlantis', property_fields: {} }, 'market'],
        [{ location: point, search_params: { date: 'yesterday' } }, 'search_params.date'],
        [{ property_fields: {} }, 'location'],
      ];
      for (const [body, field] of cases) {
        const r = await api.call('POST', '/v1/avm/property', { key, body });
        assert.equal(r.status, 422, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error, 'Validation failed');
        assert.ok(r.body.errors[field], `${JSON.stringify(body)} should name ${field}: ${JSON.stringify(r.body.errors)}`);
      }
      assert.equal(await getBalance(api.store.db, accountId), 5);
    });

    it('answers a no-value item without charging, 402 at zero balance, 503 while the engine is not ready', async () => {
      const { key, accountId } = await api.newAccount({ credits: 1 });
      const far = await api.call('POST', '/v1/avm/property', { key, body: { location: { latitude: US_ORIGIN.latitude + 0.03, longitude: US_ORIGIN.longitude }, market: 'test-us', property_fields: { living_area: 1000 } } });
      assert.equal(far.status, 200);
      assert.equal(far.body.status, 'error');
      assert.equal(far.body.reason, 'insufficient_comparables');
      assert.equal(await getBalance(api.store.db, accountId), 1);
      const unavailable = await api.callUntrained('POST', '/v1/avm/property', { key, body: { location: point, property_fields: { living_area: 1400 } } });
      assert.equal(unavailable.status, 503);
      assert.equal(await getBalance(api.store.db, accountId), 1);
      const spent = await api.call('POST', '/v1/avm/property', { key, body: { location: point, property_fields: { living_area: 1400 } } });
      assert.equal(spent.body.status, 'complete');
      const broke = await api.call('POST', '/v1/avm/property', { key, body: { location: point, property_fields: { living_area: 1400 } } });
      assert.equal(broke.status, 402);
      assert.deepEqual(broke.body, { error: 'Insufficient valuations' });
    });

    it('valueAvmProperty gives batch callers typed item errors and data without charging', async () => {
      const context = createValuationContext(api.store, api.engine);
      const ok = await valueAvmProperty(context, { location: point, property_fields: { living_area: 2000 } });
      assert.equal(ok.status, 'complete');
      const geocode = await valueAvmProperty(context, { location: { address: 'no such street' } });
      assert.deepEqual({ status: geocode.status, code: geocode.status === 'error' ? geocode.code : null, error: geocode.status === 'error' ? geocode.error : null }, { status: 'error', code: 'geocode_failed', error: 'Unable to geocode address' });
      const invalid = await valueAvmProperty(context, { location: point, property_fields: { total_bathrooms: 'many' } });
      assert.equal(invalid.status === 'error' && invalid.field, 'property_fields.total_bathrooms');
    });
  });
}
