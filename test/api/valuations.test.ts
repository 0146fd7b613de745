import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { storeTargetNames } from '../support/stores.js';
import { getBalance } from '../../src/services/ledger/get-balance.js';
import { startTestApi, type TestApi } from './support/harness.js';
import { ukMarket } from './support/seed.js';

const Z90 = 1.6448536269514722;

for (const name of storeTargetNames()) {
  describe(`POST /v1/valuations and GET /v1/valuations/{id} on ${name}`, () => {
    let api: TestApi;
    before(async () => {
      // The second UK model, trained only on sales up to 2020, values dates in 2021 and 2022.
      api = await startTestApi(name, { vintages: [{ marketId: 'test-uk', until: '2020-12-31' }] });
    });
    after(async () => api.close());

    it('values by property_id with every documented field, stores it and charges exactly one credit', async () => {
      const { key, accountId } = await api.newAccount({ credits: 3 });
      const id = api.seeded.uk[3]!;
      const r = await api.call('POST', '/v1/valuations', { key, body: { property_id: id } });
      assert.equal(r.status, 200);
      const b = r.body;
      assert.deepEqual(Object.keys(b).slice(0, 2), ['valuation_id', 'status']);
      for (const field of ['valuation_id', 'status', 'property_id', 'uprn', 'predicted_value', 'valuation_range', 'confidence', 'property', 'comparables', 'feature_contributions', 'model_version', 'processing_time_ms']) {
        assert.ok(field in b, `missing ${field}`);
      }
      assert.equal(b.status, 'success');
      assert.equal(b.property_id, id);
      assert.equal(b.uprn, '100012345003');
      assert.ok(Number.isInteger(b.predicted_value) && b.predicted_value > 0);
      assert.ok(b.valuation_range.low < b.predicted_value && b.predicted_value < b.valuation_range.high);
      // The 90% range is value × (1 ± 1.645 FSD), to the rounding of the FSD (4 places) and of the pounds.
      const slack = b.predicted_value * Z90 * 0.00005 + 1;
      assert.ok(Math.abs(b.valuation_range.low - b.predicted_value * (1 - Z90 * b.confidence.fsd)) <= slack, JSON.stringify(b.valuation_range));
      assert.ok(Math.abs(b.valuation_range.high - b.predicted_value * (1 + Z90 * b.confidence.fsd)) <= slack, JSON.stringify(b.valuation_range));
      assert.deepEqual(Object.keys(b.confidence).sort(), ['description', 'fitch_haircut', 'fsd', 'fsd_band', 'level', 'tier']);
      // The tier is the first of the market's table whose FSD bound the estimate meets.
      const tier = ukMarket.confidence.tiers.find((t) => b.confidence.fsd <= t.maxFsd);
      assert.ok(tier, `fsd ${b.confidence.fsd} is within the market's last tier`);
      assert.deepEqual(
        { tier: b.confidence.tier, fsd_band: b.confidence.fsd_band, fitch_haircut: b.confidence.fitch_haircut, description: b.confidence.description },
        { tier: tier.tier, fsd_band: tier.band, fitch_haircut: tier.haircut, description: tier.description },
      );
      assert.ok(b.confidence.level >= 0 && b.confidence.level <= 100);
      assert.deepEqual(b.property, {
        address: '4 Wilmslow Road, Didsbury',
        type: 'Flat',
        postcode: 'M20 2TG',
        bedrooms: 2,
        floor_area_sqm: 69,
        construction_period: '1919-1945',
        epc_rating: 'D',
        last_sale: { date: '2022-04-15', price: 264500 },
      });
      assert.equal(b.comparables.length, ukMarket.comparables.count);
      for (const c of b.comparables) {
        assert.deepEqual(Object.keys(c).sort(), ['address', 'distance_m', 'floor_area_sqm', 'property_type', 'sale_date', 'sale_price']);
        assert.ok(Number.isInteger(c.distance_m) && c.distance_m >= 0 && c.distance_m <= ukMarket.comparables.radiusKm * 1000);
        assert.ok(c.sale_date < b.valuation_date);
        assert.ok(Number.isInteger(c.sale_price) && c.sale_price > 0);
        assert.match(c.property_type, /^[DSTF]$/);
      }
      assert.ok(b.feature_contributions.length >= 1 && b.feature_contributions.length <= 10);
      const magnitudes = b.feature_contributions.map((c: { contribution: number }) => Math.abs(c.contribution));
      assert.deepEqual(magnitudes, [...magnitudes].sort((x: number, y: number) => y - x), 'largest contribution first');
      assert.ok(b.feature_contributions.some((c: { feature: string }) => c.feature === 'floor_area'));
      // The market's active model (the newest vintage) values today.
      assert.equal(b.model_version, api.engine.markets().find((m) => m.id === 'test-uk')!.modelVersion);
      assert.match(b.model_version, /^2025-\d\d-\d\d\.[0-9a-f]{8}$/);
      assert.ok(Number.isInteger(b.processing_time_ms) && b.processing_time_ms >= 0);
      assert.equal(b.currency, 'GBP');
      assert.equal(await getBalance(api.store.db, accountId), 2);

      const stored = await api.call('GET', `/v1/valuations/${b.valuation_id}`, { key });
      assert.equal(stored.status, 200);
      assert.equal(stored.body.valuation_id, b.valuation_id);
      assert.equal(stored.body.predicted_value, b.predicted_value);
      assert.equal(stored.body.address, '4 Wilmslow Road, Didsbury');
      assert.equal(stored.body.postcode, 'M20 2TG');
      assert.equal(stored.body.valuation_tier, 1);
      assert.equal(stored.body.status, 'complete');
      assert.match(stored.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const entries = await api.store.db.selectFrom('ledger_entries').selectAll().where('account_id', '=', accountId).where('amount', '<', 0).execute();
      assert.deepEqual(entries.map((e) => e.reference), [`valuation:${b.valuation_id}`]);
    });

    it('finds by uprn (number or string) and by postcode + partial address, case-insensitively', async () => {
      const { key } = await api.newAccount();
      const byNumber = await api.call('POST', '/v1/valuations', { key, body: { uprn: 100012345007 } });
      assert.equal(byNumber.status, 200);
      assert.equal(byNumber.body.property_id, api.seeded.uk[7]);
      const byString = await api.call('POST', '/v1/valuations', { key, body: { uprn: '100012345007' } });
      assert.equal(byString.body.property_id, api.seeded.uk[7]);
      const byAddress = await api.call('POST', '/v1/valuations', { key, body: { postcode: 'm20 3ya', address: '15 PALATINE' } });
      assert.equal(byAddress.status, 200);
      assert.equal(byAddress.body.property_id, api.seeded.uk[14]);
      assert.equal(byAddress.body.property.address, '15 Palatine Road, Didsbury');
    });

    it('answers several matches with 400 and the candidates, never a guess, and charges nothing', async () => {
      const { key, accountId } = await api.newAccount({ credits: 5 });
      const r = await api.call('POST', '/v1/valuations', { key, body: { postcode: 'M20 2TG', address: 'wilmslow road' } });
      assert.equal(r.status, 400);
      assert.match(r.body.error, /Several properties match/);
      assert.equal(r.body.candidates.length, 12);
      assert.deepEqual(Object.keys(r.body.candidates[0]).sort(), ['address', 'postcode', 'property_id', 'uprn']);
      const postcodeOnly = await api.call('POST', '/v1/valuations', { key, body: { postcode: 'M20 3YA' } });
      assert.equal(postcodeOnly.status, 400);
      assert.equal(postcodeOnly.body.candidates.length, 12);
      assert.equal(await getBalance(api.store.db, accountId), 5);
    });

    it('treats LIKE wildcards in the address literally', async () => {
      const { key } = await api.newAccount();
      const r = await api.call('POST', '/v1/valuations', { key, body: { postcode: 'M20 2TG', address: '%' } });
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, { error: 'Property not found' });
      const underscore = await api.call('POST', '/v1/valuations', { key, body: { postcode: 'M20 2TG', address: '1_ Wilmslow' } });
      assert.equal(underscore.status, 404);
    });

    it('answers 404 "Property not found" without charging or storing', async () => {
      const { key, accountId } = await api.newAccount({ credits: 2 });
      for (const body of [{ property_id: 999999 }, { uprn: 1 }, { postcode: 'ZZ9 9ZZ', address: 'Nowhere' }]) {
        const r = await api.call('POST', '/v1/valuations', { key, body });
        assert.equal(r.status, 404, JSON.stringify(body));
        assert.deepEqual(r.body, { error: 'Property not found' });
      }
      assert.equal(await getBalance(api.store.db, accountId), 2);
      const stored = await api.store.db.selectFrom('valuations').select('id').where('account_id', '=', accountId).execute();
      assert.equal(stored.length, 0);
    });

    it('answers no-value with the documented body, stores it, and does not charge', async () => {
      const { key, accountId } = await api.newAccount({ credits: 1 });
      const bare = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.bare } });
      assert.equal(bare.status, 200);
      assert.deepEqual(Object.keys(bare.body).slice(0, 10), ['valuation_id', 'status', 'valuation', 'reason', 'reason_description', 'missing_data', 'property_id', 'uprn', 'model_version', 'processing_time_ms']);
      assert.equal(bare.body.status, 'no_value');
      assert.equal(bare.body.valuation, null);
      assert.equal(bare.body.reason, 'missing_critical_data');
      assert.equal(bare.body.uprn, null);
      const remote = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.remote } });
      assert.equal(remote.body.reason, 'insufficient_comparables');
      assert.deepEqual(remote.body.missing_data, ['recent_comparables']);
      assert.equal(await getBalance(api.store.db, accountId), 1);
      const stored = await api.call('GET', `/v1/valuations/${remote.body.valuation_id}`, { key });
      assert.equal(stored.status, 200);
      assert.equal(stored.body.predicted_value, null);
      assert.equal(stored.body.result, 'no_value');
    });

    it('answers 402 before valuing when the balance is zero', async () => {
      const { key, accountId } = await api.newAccount({ credits: 0 });
      const r = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[0] } });
      assert.equal(r.status, 402);
      assert.deepEqual(r.body, { error: 'Insufficient valuations' });
      assert.equal(await getBalance(api.store.db, accountId), 0);
    });

    it('answers 400 for missing identifiers and malformed JSON, 422 naming the field for bad types', async () => {
      const { key } = await api.newAccount();
      const empty = await api.call('POST', '/v1/valuations', { key, body: {} });
      assert.equal(empty.status, 400);
      assert.deepEqual(empty.body, { error: 'property_id, uprn, or postcode+address required' });
      const addressOnly = await api.call('POST', '/v1/valuations', { key, body: { address: 'Wilmslow Road' } });
      assert.equal(addressOnly.status, 400);
      const malformed = await api.call('POST', '/v1/valuations', { key, rawBody: '{"uprn": 1' });
      assert.equal(malformed.status, 400);
      assert.deepEqual(malformed.body, { error: 'Malformed JSON body' });
      const badType = await api.call('POST', '/v1/valuations', { key, body: { uprn: 'abc', num_comparables: 500 } });
      assert.equal(badType.status, 422);
      assert.equal(badType.body.error, 'Validation failed');
      assert.ok(badType.body.errors.uprn, JSON.stringify(badType.body));
      assert.ok(badType.body.errors.num_comparables);
      const badDate = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[0], date: '2024-02-30' } });
      assert.equal(badDate.status, 422);
      assert.ok(badDate.body.errors.date);
    });

    it('honours the as-of date and num_comparables', async () => {
      const { key } = await api.newAccount();
      const r = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[5], date: '2021-01-01', num_comparables: 2 } });
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'success', JSON.stringify(r.body));
      assert.equal(r.body.comparables.length, 2);
      for (const c of r.body.comparables) assert.ok(c.sale_date < '2021-01-01');
      assert.equal(r.body.property.last_sale.date < '2021-01-01', true);
      assert.equal(r.body.valuation_date, '2021-01-01');
      // Only the model trained on sales before that date may value it.
      assert.match(r.body.model_version, /^2020-12-31\./);
      const today = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[5] } });
      assert.notEqual(today.body.model_version, r.body.model_version);
      // Before every model's cutoff: refused (422 naming the date), not answered by a model that saw later sales.
      const before = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[5], date: '2010-01-01' } });
      assert.equal(before.status, 422, JSON.stringify(before.body));
      assert.ok(before.body.errors.date);
      const balance = await api.call('GET', '/v1/account', { key });
      assert.equal(balance.body.valuation_balance, 98, 'the refused request is not charged');
    });

    it('leaves feature_contributions empty when asked not to explain (Valora extension)', async () => {
      const { key } = await api.newAccount();
      const r = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[5], explain: false } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.feature_contributions, []);
      const bad = await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[5], explain: 'perhaps' } });
      assert.equal(bad.status, 422);
      assert.ok(bad.body.errors.explain);
    });

    it('answers 503 "AVM service unavailable" while the engine is not ready, without charging', async () => {
      const { key, accountId } = await api.newAccount({ credits: 1 });
      const r = await api.callUntrained('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[0] } });
      assert.equal(r.status, 503);
      assert.deepEqual(r.body, { error: 'AVM service unavailable' });
      assert.equal(await getBalance(api.store.db, accountId), 1);
      const stored = await api.store.db.selectFrom('valuations').select('id').where('account_id', '=', accountId).execute();
      assert.equal(stored.length, 0);
    });

    it('answers 503 with Retry-After, charging nothing, when another process holds SQLite longer than a request waits; reads go on meanwhile', { skip: name === 'sqlite' ? false : 'PostgreSQL has row locks, waited for without a limit' }, async () => {
      const { key, accountId } = await api.newAccount({ credits: 3 });
      assert.equal((await api.call('GET', '/v1/account', { key })).status, 200);
      const unused = (await api.call('POST', '/v1/keys', { key, body: { name: 'first used while locked' } })).body.key as string;
      const other = new SQLite(api.store.location);
      other.prepare('begin immediate').run();
      try {
        const valuing = api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[3] } });
        // The waiting valuation does not hold up this process: a read answers at once, even with a key used
        // for the first time (its last_used_at is left for a later request, not waited for).
        const started = Date.now();
        assert.equal((await api.call('GET', `/v1/account`, { key: unused })).status, 200);
        assert.ok(Date.now() - started < 2000, `a read answered while the valuation waited (${Date.now() - started} ms)`);
        const r = await valuing;
        assert.equal(r.status, 503);
        assert.deepEqual(r.body, { error: 'The database is busy; retry shortly' });
        assert.equal(r.headers.get('retry-after'), '1');
      } finally {
        other.prepare('rollback').run();
        other.close();
      }
      assert.equal(await getBalance(api.store.db, accountId), 3);
      assert.equal((await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[3] } })).status, 200, 'and once the lock is free');
      const lastUsed = async () => ((await api.call('GET', '/v1/keys', { key })).body.keys as Array<{ name: string; last_used_at: string | null }>).find((k) => k.name === 'first used while locked')!.last_used_at;
      assert.equal(await lastUsed(), null, 'not recorded while the lock was held');
      assert.equal((await api.call('GET', '/v1/account', { key: unused })).status, 200);
      assert.notEqual(await lastUsed(), null, 'recorded by the next request');
    });

    it("never shows or charges another account's valuations", async () => {
      const owner = await api.newAccount({ credits: 1 });
      const other = await api.newAccount({ credits: 1 });
      const r = await api.call('POST', '/v1/valuations', { key: owner.key, body: { property_id: api.seeded.uk[1] } });
      const theirs = await api.call('GET', `/v1/valuations/${r.body.valuation_id}`, { key: other.key });
      assert.equal(theirs.status, 404);
      assert.deepEqual(theirs.body, { error: 'Valuation not found' });
      assert.equal(await getBalance(api.store.db, other.accountId), 1);
      assert.equal(await getBalance(api.store.db, owner.accountId), 0);
      const bad = await api.call('GET', '/v1/valuations/abc', { key: owner.key });
      assert.equal(bad.status, 422);
    });
  });
}
