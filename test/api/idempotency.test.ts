// An Idempotency-Key on the synchronous charging requests (POST /v1/valuations and the Gadsden batch):
// a retry gets the first answer and is charged once, on a real server and database.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames } from '../support/stores.js';
import { startTestApi, type TestApi } from './support/harness.js';

for (const name of storeTargetNames()) {
  describe(`Idempotency-Key on synchronous valuations on ${name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await startTestApi(name, { markets: ['test-uk'] });
    });
    after(async () => api.close());

    const balanceOf = async (key: string) => (await api.call('GET', '/v1/account', { key })).body.valuation_balance as number;

    it('answers a retried valuation with the first answer and charges once', async () => {
      const { key } = await api.newAccount({ credits: 5 });
      const body = { property_id: api.seeded.uk[3] };
      const first = await api.call('POST', '/v1/valuations', { key, body, headers: { 'idempotency-key': 'valuation-1' } });
      assert.equal(first.status, 200);
      assert.equal(first.body.status, 'success');
      const again = await api.call('POST', '/v1/valuations', { key, body, headers: { 'idempotency-key': 'valuation-1' } });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await balanceOf(key), 4);
      const fresh = await api.call('POST', '/v1/valuations', { key, body, headers: { 'idempotency-key': 'valuation-2' } });
      assert.notEqual(fresh.body.valuation_id, first.body.valuation_id);
      assert.equal(await balanceOf(key), 3);
    });

    it('answers a retried batch once, and refuses the key with another body', async () => {
      const { key } = await api.newAccount({ credits: 10 });
      const body = { properties: [{ property_id: api.seeded.uk[3] }, { property_id: api.seeded.uk[5] }, { postcode: 'ZZ1 1ZZ' }] };
      const first = await api.call('POST', '/v1/valuations/batch', { key, body, headers: { 'idempotency-key': 'batch-1' } });
      assert.equal(first.status, 200);
      const charged = first.body.results.filter((r: { status?: string }) => r.status === 'success').length;
      assert.ok(charged >= 1);
      const again = await api.call('POST', '/v1/valuations/batch', { key, body, headers: { 'idempotency-key': 'batch-1' } });
      assert.deepEqual(again.body, first.body);
      assert.equal(await balanceOf(key), 10 - charged);
      const other = await api.call('POST', '/v1/valuations/batch', { key, body: { properties: [{ property_id: api.seeded.uk[3] }] }, headers: { 'idempotency-key': 'batch-1' } });
      assert.equal(other.status, 422);
      assert.match(other.body.errors['Idempotency-Key'][0], /different request/);
      assert.equal(await balanceOf(key), 10 - charged);
    });

    it('keeps keys per account, frees a key whose request failed, and rejects a malformed key', async () => {
      const a = await api.newAccount({ credits: 0 });
      const b = await api.newAccount({ credits: 2 });
      const body = { property_id: api.seeded.uk[3] };
      const refused = await api.call('POST', '/v1/valuations', { key: a.key, body, headers: { 'idempotency-key': 'shared' } });
      assert.equal(refused.status, 402);
      const other = await api.call('POST', '/v1/valuations', { key: b.key, body, headers: { 'idempotency-key': 'shared' } });
      assert.equal(other.status, 200, 'another account may use the same key');
      const { addCredits } = await import('../../src/services/ledger/add-credits.js');
      await addCredits(api.store, { accountId: a.accountId, credits: 1 });
      const retried = await api.call('POST', '/v1/valuations', { key: a.key, body, headers: { 'idempotency-key': 'shared' } });
      assert.equal(retried.status, 200, 'a 402 did not use up the key');
      assert.equal(await balanceOf(a.key), 0);
      const bad = await api.call('POST', '/v1/valuations', { key: b.key, body, headers: { 'idempotency-key': 'x'.repeat(300) } });
      assert.equal(bad.status, 422);
      assert.ok(bad.body.errors['Idempotency-Key']);
    });
  });
}
