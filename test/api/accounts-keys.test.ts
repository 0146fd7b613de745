import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames } from '../support/stores.js';
import { createOrganisation } from '../../src/services/accounts/create-organisation.js';
import { changeAccount } from '../../src/services/accounts/update-account.js';
import { startTestApi, type TestApi } from './support/harness.js';

const UNAUTHORIZED = { error: 'Missing or invalid Authorization header' };

for (const name of storeTargetNames()) {
  describe(`accounts, keys and authentication on ${name}`, () => {
    let api: TestApi;
    before(async () => {
      api = await startTestApi(name, { markets: ['test-uk'] });
    });
    after(async () => api.close());

    it('GET /v1/account answers the documented body, with Bearer or X-API-Key', async () => {
      const { key, accountId } = await api.newAccount({ email: 'developer@lender.example', credits: 487, rateLimit: 60 });
      for (const via of ['bearer', 'x-api-key'] as const) {
        const r = await api.call('GET', '/v1/account', { key, via });
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, { user_id: accountId, email: 'developer@lender.example', plan_type: 'standard', valuation_balance: 487, api_enabled: true, api_rate_limit: 60, organisation_id: null });
      }
    });

    it("pools an organisation's balance: any member spends it and every member sees it", async () => {
      const org = await createOrganisation(api.store, 'Pool Ltd');
      const a = await api.newAccount({ organisationId: org.id, credits: 2 });
      const b = await api.newAccount({ organisationId: org.id, credits: 0 });
      assert.equal((await api.call('GET', '/v1/account', { key: b.key })).body.valuation_balance, 2);
      assert.equal((await api.call('POST', '/v1/valuations', { key: b.key, body: { property_id: api.seeded.uk[2] } })).status, 200);
      assert.equal((await api.call('GET', '/v1/account', { key: a.key })).body.valuation_balance, 1);
    });

    it('GET /v1/account/ledger lists the purchases and charges behind the balance, newest first, page by page', async () => {
      const { key, accountId } = await api.newAccount({ credits: 5 });
      const valued: number[] = [];
      for (const i of [2, 3, 4]) valued.push((await api.call('POST', '/v1/valuations', { key, body: { property_id: api.seeded.uk[i] } })).body.valuation_id);
      const all = await api.call('GET', '/v1/account/ledger', { key });
      assert.equal(all.status, 200);
      assert.equal(all.body.balance, 2);
      assert.deepEqual(all.body.entries.map((e: { amount: number }) => e.amount), [-1, -1, -1, 5]);
      assert.deepEqual(all.body.entries.slice(0, 3).map((e: { valuation_id: number }) => e.valuation_id), valued.reverse());
      assert.deepEqual(all.body.entries.slice(0, 3).map((e: { reference: string }) => e.reference), valued.map((id) => `valuation:${id}`));
      assert.ok(all.body.entries.every((e: { account_id: number }) => e.account_id === accountId));
      assert.equal(all.body.next_before, null);
      // two pages of two
      const first = await api.call('GET', '/v1/account/ledger?limit=2', { key });
      assert.equal(first.body.entries.length, 2);
      const second = await api.call('GET', `/v1/account/ledger?limit=2&before=${first.body.next_before}`, { key });
      assert.deepEqual([...first.body.entries, ...second.body.entries], all.body.entries);
      assert.equal(second.body.next_before, null);
      // another account sees only its own; bad paging is 422
      const other = await api.newAccount({ credits: 1 });
      assert.deepEqual((await api.call('GET', '/v1/account/ledger', { key: other.key })).body.entries.map((e: { amount: number }) => e.amount), [1]);
      assert.equal((await api.call('GET', '/v1/account/ledger?limit=0', { key })).status, 422);
      assert.equal((await api.call('GET', '/v1/account/ledger?before=x', { key })).status, 422);
      assert.equal((await api.call('GET', '/v1/account/ledger')).status, 401);
    });

    it("lists an organisation pool's entries to each member, naming the member that spent", async () => {
      const org = await createOrganisation(api.store, 'Ledger Ltd');
      const a = await api.newAccount({ organisationId: org.id, credits: 3 });
      const b = await api.newAccount({ organisationId: org.id, credits: 0 });
      assert.equal((await api.call('POST', '/v1/valuations', { key: b.key, body: { property_id: api.seeded.uk[2] } })).status, 200);
      const seenByA = await api.call('GET', '/v1/account/ledger', { key: a.key });
      assert.equal(seenByA.body.balance, 2);
      assert.deepEqual(seenByA.body.entries.map((e: { account_id: number; amount: number }) => [e.account_id, e.amount]), [[b.accountId, -1], [a.accountId, 3]]);
      assert.deepEqual((await api.call('GET', '/v1/account/ledger', { key: b.key })).body, seenByA.body);
    });

    it('answers every key problem with the same 401 body', async () => {
      const { key } = await api.newAccount();
      const wrong = key.slice(0, -2) + (key.endsWith('zz') ? 'yy' : 'zz');
      const cases = [
        await api.call('GET', '/v1/account'),
        await api.call('GET', '/v1/account', { key: wrong }),
        await api.call('GET', '/v1/account', { key: 'vk_unknown' }),
        await api.call('GET', '/v1/account', { key: 'garbage' }),
        await api.call('GET', '/v1/account', { headers: { authorization: `Basic ${key}` } }),
        await api.call('POST', '/v1/valuations', { key: wrong, body: { property_id: 1 } }),
      ];
      for (const r of cases) {
        assert.equal(r.status, 401);
        assert.deepEqual(r.body, UNAUTHORIZED);
      }
    });

    it('lists, creates (at most 5 active) and revokes keys; revocation applies to the very next request', async () => {
      const { key, accountId } = await api.newAccount();
      const created = await api.call('POST', '/v1/keys', { key, body: { name: 'Production' } });
      assert.equal(created.status, 201);
      assert.deepEqual(Object.keys(created.body).sort(), ['id', 'key', 'key_prefix', 'message', 'name']);
      assert.match(created.body.key, /^vk_[0-9A-Za-z]{43}$/);
      assert.equal(created.body.key_prefix, created.body.key.slice(0, 11));
      assert.equal(created.body.message, 'Store this key securely. It will not be shown again.');
      const second = created.body.key as string;
      assert.equal((await api.call('GET', '/v1/account', { key: second })).status, 200);

      const noBody = await api.call('POST', '/v1/keys', { key });
      assert.equal(noBody.status, 201);
      assert.equal(noBody.body.name, null);
      await api.call('POST', '/v1/keys', { key, body: { name: 'three' } });
      await api.call('POST', '/v1/keys', { key, body: { name: 'four' } });
      const sixth = await api.call('POST', '/v1/keys', { key, body: { name: 'six' } });
      assert.equal(sixth.status, 422);
      assert.match(sixth.body.error, /Maximum of 5 active API keys/);

      const revoke = await api.call('DELETE', `/v1/keys/${created.body.id}`, { key });
      assert.equal(revoke.status, 200);
      assert.deepEqual(revoke.body, { message: 'API key revoked' });
      const afterRevoke = await api.call('GET', '/v1/account', { key: second });
      assert.equal(afterRevoke.status, 401);
      assert.deepEqual(afterRevoke.body, UNAUTHORIZED);
      assert.equal((await api.call('POST', '/v1/keys', { key, body: { name: 'replacement' } })).status, 201);

      const list = await api.call('GET', '/v1/keys', { key });
      assert.equal(list.status, 200);
      assert.equal(list.body.keys.length, 6);
      const revoked = list.body.keys.find((k: { id: number }) => k.id === created.body.id);
      assert.deepEqual(Object.keys(revoked).sort(), ['created_at', 'id', 'key_prefix', 'last_used_at', 'name', 'revoked_at']);
      assert.match(revoked.revoked_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.notEqual(revoked.last_used_at, null);
      assert.equal(list.body.keys.filter((k: { revoked_at: string | null }) => k.revoked_at === null).length, 5);
      assert.ok(!JSON.stringify(list.body).includes(second), 'a listing never shows a full key');

      const other = await api.newAccount();
      const notTheirs = await api.call('DELETE', `/v1/keys/${list.body.keys[0].id}`, { key: other.key });
      assert.equal(notTheirs.status, 404);
      assert.equal((await api.call('GET', '/v1/account', { key })).status, 200);
      assert.equal((await api.call('DELETE', '/v1/keys/0', { key })).status, 422);
      void accountId;
    });

    it('rejects a key name over 100 characters with 422 naming the field', async () => {
      const { key } = await api.newAccount();
      const r = await api.call('POST', '/v1/keys', { key, body: { name: 'x'.repeat(101) } });
      assert.equal(r.status, 422);
      assert.equal(r.body.error, 'Validation failed');
      assert.ok(r.body.errors.name);
      assert.equal((await api.call('POST', '/v1/keys', { key, body: { name: 'x'.repeat(100) } })).status, 201);
    });

    it('answers 403 "API access disabled" when the account has API access switched off', async () => {
      const { key, accountId } = await api.newAccount();
      await changeAccount(api.store, accountId, { apiEnabled: false });
      const r = await api.call('GET', '/v1/account', { key });
      assert.equal(r.status, 403);
      assert.deepEqual(r.body, { error: 'API access disabled' });
      await changeAccount(api.store, accountId, { apiEnabled: true });
      assert.equal((await api.call('GET', '/v1/account', { key })).status, 200);
    });

    it('keeps keys out of the database and the logs', async () => {
      const { key } = await api.newAccount();
      await api.call('GET', '/v1/account', { key });
      await api.call('GET', '/v1/account', { key, via: 'x-api-key' });
      await api.call('GET', '/v1/nowhere', { key });
      const body = key.slice(3);
      for (const table of ['api_keys', 'accounts', 'ledger_entries', 'valuations'] as const) {
        const rows = await api.store.db.selectFrom(table).selectAll().execute();
        assert.ok(!JSON.stringify(rows).includes(body), `key found in ${table}`);
      }
      assert.ok(api.logs.length > 0);
      assert.ok(!api.logs.join('\n').includes(body), 'key found in the logs');
    });
  });
}
