import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames, withStore } from '../../../test/support/stores.js';
import { readWindowCount } from '../../store/repositories/rate-limits.js';
import { createAccount } from '../accounts/create-account.js';
import { RATE_WINDOW_MS } from './consume-rate-limit.js';
import { LocalRateLimiter } from './local-rate-limiter.js';

for (const name of storeTargetNames()) {
  describe(`rate limit counted in memory on ${name}`, () => {
    it('decides as the database count does: exactly the limit when requests race, the previous window carried', async () => {
      await withStore(name, async (store) => {
        const { account } = await createAccount(store, { email: 'm@example.com', rateLimit: 10 });
        const limiter = new LocalRateLimiter(store);
        const start = Math.ceil(Date.now() / RATE_WINDOW_MS) * RATE_WINDOW_MS + 7 * RATE_WINDOW_MS;
        const decisions = await Promise.all(Array.from({ length: 25 }, () => limiter.consume(account.id, 10, start + 1000)));
        assert.equal(decisions.filter((d) => d.allowed).length, 10);
        assert.deepEqual(
          decisions.filter((d) => d.allowed).map((d) => d.remaining),
          [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
        );
        const refused = decisions.find((d) => !d.allowed)!;
        assert.equal(refused.remaining, 0);
        assert.ok(refused.retryAfter >= 1);
        const next = start + RATE_WINDOW_MS + RATE_WINDOW_MS / 2;
        const later = [];
        for (let i = 0; i < 7; i++) later.push(await limiter.consume(account.id, 10, next));
        assert.equal(later.filter((d) => d.allowed).length, 5);
        assert.equal(later[0]!.remaining, 4);
        const fresh = await limiter.consume(account.id, 10, start + 3 * RATE_WINDOW_MS);
        assert.equal(fresh.allowed, true);
        assert.equal(fresh.remaining, 9);
        await limiter.flush();
      });
    });

    it('writes its counts through, so a restarted process carries on where the last one stopped', async () => {
      await withStore(name, async (store) => {
        const { account } = await createAccount(store, { email: 'restart@example.com', rateLimit: 10 });
        const at = Math.ceil(Date.now() / RATE_WINDOW_MS) * RATE_WINDOW_MS + 9 * RATE_WINDOW_MS + 1000;
        const first = new LocalRateLimiter(store);
        for (let i = 0; i < 6; i++) assert.equal((await first.consume(account.id, 10, at)).allowed, true);
        await first.flush();
        assert.equal(await readWindowCount(store.db, account.id, at - 1000), 6);
        const second = new LocalRateLimiter(store);
        const decisions = [];
        for (let i = 0; i < 5; i++) decisions.push(await second.consume(account.id, 10, at + 10));
        assert.deepEqual(
          decisions.map((d) => d.allowed),
          [true, true, true, true, false],
        );
      });
    });
  });
}
