import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames } from '../support/stores.js';
import { getBalance } from '../../src/services/ledger/get-balance.js';
import { createOrganisation } from '../../src/services/accounts/create-organisation.js';
import { buildServer } from '../../src/api/server.js';
import { startTestApi, type TestApi } from './support/harness.js';

for (const name of storeTargetNames()) {
  describe(`concurrent spending on ${name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await startTestApi(name);
    });
    after(async () => api.close());

    it('100 concurrent valuations against a balance of 50: exactly 50 charged successes, balance 0', async () => {
      const { key, accountId } = await api.newAccount({ credits: 50 });
      const ids = api.seeded.uk;
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => api.call('POST', '/v1/valuations', { key, body: { property_id: ids[i % ids.length] } })),
      );
      const statuses = responses.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 50, JSON.stringify(statuses));
      assert.equal(statuses.filter((s) => s === 402).length, 50);
      for (const r of responses.filter((r) => r.status === 402)) assert.deepEqual(r.body, { error: 'Insufficient valuations' });
      assert.equal(await getBalance(api.store.db, accountId), 0);
      const debits = await api.store.db.selectFrom('ledger_entries').select('reference').where('account_id', '=', accountId).where('amount', '=', -1).execute();
      assert.equal(debits.length, 50);
      const stored = await api.store.db.selectFrom('valuations').select('id').where('account_id', '=', accountId).execute();
      assert.equal(stored.length, 50, 'a valuation refused for want of credit is not kept');
      assert.deepEqual(new Set(debits.map((d) => d.reference)), new Set(stored.map((s) => `valuation:${s.id}`)));
    });

    it('two serving processes over one database, 100 concurrent valuations against a balance of 50: exactly 50 charged, balance 0', async () => {
      // A second server on its own connection to the same database, counting rate limits as several
      // processes do (`valora serve --workers 2`).
      const store = await api.target.open();
      const second = await buildServer({ store, engine: api.engine, config: { rateLimitCounting: 'database' } });
      try {
        await second.listen({ port: 0, host: '127.0.0.1' });
        const { port } = second.server.address() as { port: number };
        const { key, accountId } = await api.newAccount({ credits: 50 });
        const ids = api.seeded.uk;
        const post = (i: number) =>
          i % 2 === 0
            ? api.call('POST', '/v1/valuations', { key, body: { property_id: ids[i % ids.length] } })
            : fetch(`http://127.0.0.1:${port}/v1/valuations`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ property_id: ids[i % ids.length] }) }).then(
                async (r) => ({ status: r.status, body: await r.json() }),
              );
        const statuses = (await Promise.all(Array.from({ length: 100 }, (_, i) => post(i)))).map((r) => r.status);
        assert.equal(statuses.filter((s) => s === 200).length, 50, JSON.stringify(statuses));
        assert.equal(statuses.filter((s) => s === 402).length, 50);
        assert.equal(await getBalance(api.store.db, accountId), 0);
        const stored = await api.store.db.selectFrom('valuations').select('id').where('account_id', '=', accountId).execute();
        assert.equal(stored.length, 50);
      } finally {
        await second.close();
        await store.close();
      }
    });

    it('members of one organisation racing for a shared pool of 20 get exactly 20', async () => {
      const org = await createOrganisation(api.store, 'Racers');
      const members: Array<{ accountId: number; key: string }> = [];
      for (let i = 0; i < 4; i++) members.push(await api.newAccount({ organisationId: org.id, credits: i === 0 ? 20 : 0 }));
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) => api.call('POST', '/v1/avm/property', { key: members[i % 4]!.key, body: { location: { latitude: 38.5812, longitude: -121.4889 }, property_fields: { living_area: 1500 + i } } })),
      );
      assert.equal(responses.filter((r) => r.status === 200 && r.body.status === 'complete').length, 20);
      assert.equal(responses.filter((r) => r.status === 402).length, 40);
      assert.equal(await getBalance(api.store.db, members[3]!.accountId), 0);
    });
  });
}
