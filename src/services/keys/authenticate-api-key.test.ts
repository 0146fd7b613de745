import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames, withStore } from '../../../test/support/stores.js';
import { createAccount } from '../accounts/create-account.js';
import { authenticateApiKey } from './authenticate-api-key.js';
import { createApiKey, KeyLimitError, MAX_ACTIVE_KEYS } from './create-api-key.js';
import { generateApiKey } from './generate-api-key.js';
import { revokeApiKey } from './revoke-api-key.js';
import { listApiKeys } from './list-api-keys.js';

describe('generateApiKey', () => {
  it('makes distinct base62 keys with the vk_ prefix and 256 bits', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    assert.equal(keys.size, 200);
    for (const key of keys) assert.match(key, /^vk_[0-9A-Za-z]{43}$/);
  });
});

for (const name of storeTargetNames()) {
  describe(`API keys on ${name}`, () => {
    it('authenticates by hash only, stops at the next lookup after revocation, and caps active keys', async () => {
      await withStore(name, async (store) => {
        const { account, apiKey } = await createAccount(store, { email: 'k@example.com', withKey: true });
        assert.ok(apiKey);
        const rows = await store.db.selectFrom('api_keys').selectAll().execute();
        assert.ok(!JSON.stringify(rows).includes(apiKey.slice(3)), 'the key body is not stored');
        const auth = await authenticateApiKey(store.db, apiKey);
        assert.equal(auth?.accountId, account.id);
        assert.equal(await authenticateApiKey(store.db, apiKey.slice(0, -1) + (apiKey.endsWith('a') ? 'b' : 'a')), null);
        assert.equal(await authenticateApiKey(store.db, 'not-a-key'), null);
        assert.notEqual((await listApiKeys(store.db, account.id))[0]!.last_used_at, null);

        for (let i = 1; i < MAX_ACTIVE_KEYS; i++) await createApiKey(store, account.id, `k${i}`);
        await assert.rejects(createApiKey(store, account.id, 'one too many'), KeyLimitError);
        assert.equal(await revokeApiKey(store.db, account.id, auth!.keyId), true);
        assert.equal(await authenticateApiKey(store.db, apiKey), null);
        await createApiKey(store, account.id, 'replacement');
        const other = (await createAccount(store, { email: 'other@example.com' })).account;
        assert.equal(await revokeApiKey(store.db, other.id, auth!.keyId + 1), false);
      });
    });
  });
}

for (const name of storeTargetNames()) {
  describe(`authentication kept in memory on ${name}`, () => {
    it('sees a revocation, a disabled account and a new rate limit made by another process on the very next request', async () => {
      await withStore(name, async (store, target) => {
        const other = await target.open(); // another process's connection
        try {
          const { account, apiKey } = await createAccount(store, { email: 'cache@example.com', rateLimit: 60, withKey: true });
          const first = await authenticateApiKey(store.db, apiKey!);
          assert.equal(first?.rateLimit, 60);
          assert.equal((await authenticateApiKey(store.db, apiKey!))?.accountId, account.id);

          await other.db.updateTable('accounts').set({ rate_limit: 5 }).where('id', '=', account.id).execute();
          assert.equal((await authenticateApiKey(store.db, apiKey!))?.rateLimit, 5);
          await other.db.updateTable('accounts').set({ api_enabled: 0 }).where('id', '=', account.id).execute();
          assert.equal((await authenticateApiKey(store.db, apiKey!))?.apiEnabled, false);
          await other.db.updateTable('accounts').set({ api_enabled: 1 }).where('id', '=', account.id).execute();
          assert.equal((await authenticateApiKey(store.db, apiKey!))?.apiEnabled, true);

          assert.equal(await revokeApiKey(other.db, account.id, first!.keyId), true);
          assert.equal(await authenticateApiKey(store.db, apiKey!), null);
          assert.equal(await authenticateApiKey(store.db, apiKey!), null);
        } finally {
          await other.close();
        }
      });
    });

    it('does not move the generation for last_used_at, and a wrong key is still refused while a right one is kept', async () => {
      await withStore(name, async (store) => {
        const { apiKey } = await createAccount(store, { email: 'touch@example.com', withKey: true });
        const before = await store.db.selectFrom('credential_changes').select('generation').executeTakeFirstOrThrow();
        assert.ok(await authenticateApiKey(store.db, apiKey!)); // writes last_used_at
        const after = await store.db.selectFrom('credential_changes').select('generation').executeTakeFirstOrThrow();
        assert.equal(Number(after.generation), Number(before.generation));
        assert.equal(await authenticateApiKey(store.db, apiKey!.slice(0, -1) + (apiKey!.endsWith('a') ? 'b' : 'a')), null);
        assert.ok(await authenticateApiKey(store.db, apiKey!));
      });
    });
  });
}
