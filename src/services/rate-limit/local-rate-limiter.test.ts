import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames, withStore } from '../../../test/support/stores.js';
import { readWindowCount } from '../../store/repositories/rate-limits.js';
import { createAccount } from '../accounts/create-account.js';
import { LocalRateLimiter } from './local-rate-limiter.js';
import { assertSlidingWindow, futureWindow } from './sliding-window-contract.test-helper.js';

for (const name of storeTargetNames()) {
  describe(`rate limit counted in memory on ${name}`, () => {
    it('decides as the database count does: exactly the limit when requests race, the previous window carried', async () => {
      await withStore(name, async (store) => {
        const { account } = await createAccount(store, { email: 'm@example.com', rateLimit: 10 });
        const limiter = new LocalRateLimiter(store);
        const start = futureWindow(7);
        await assertSlidingWindow(limiter, account.id, start);
        await limiter.flush();
      });
    });

    it('writes its counts through, so a restarted process carries on where the last one stopped', async () => {
      await withStore(name, async (store) => {
        const { account } = await createAccount(store, { email: 'restart@example.com', rateLimit: 10 });
        const at = futureWindow(9, 1000);
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
