import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames } from '../support/stores.js';
import { getBalance } from '../../src/services/ledger/get-balance.js';
import { createValuationContext } from '../../src/services/valuations/valuation-context.js';
import { valueAvmProperty } from '../../src/services/valuations/value-avm-property.js';
import { startTestApi, type TestApi } from './support/harness.js';
import { US_ORIGIN } from './support/seed.js';

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
      assert.equal(v.confidence_tier, 1);
      assert.equal(typeof v.fsd, 'number');
      assert.equal(r.body.data.comparables.length, 3);
      assert.equal(r.body.data.market, 'test-us');
      assert.equal(r.body.data.currency, 'USD');
      assert.equal(r.body.data.register_property_id, null);
      assert.equal(r.body.data.model_version, 'comps-1');
      // 1800 sqft at the median price per sqft of the nearest sales.
      assert.equal(r.body.data.comparables[0].floor_area_sqm, Math.round(r.body.data.comparables[0].floor_area * 0.09290304 * 10) / 10);
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
      api.engine.setReady(false);
      try {
        assert.equal((await api.call('POST', '/v1/avm/property', { key, body: { location: point, property_fields: {} } })).status, 503);
      } finally {
        api.engine.setReady(true);
      }
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
