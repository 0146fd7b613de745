import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { holdWriteLock } from '../../../test/support/hold-write-lock.js';
import { createStoreTarget, storeTargetNames, type StoreTarget } from '../../../test/support/stores.js';
import type { Store } from '../../store/database.js';
import { WriteLockTimeoutError } from '../../store/write-lock.js';
import { readWindowCount } from '../../store/repositories/rate-limits.js';
import { createAccount } from '../accounts/create-account.js';
import { RATE_WINDOW_MS } from './sliding-window.js';
import { LeasedRateLimiter } from './leased-rate-limiter.js';
import { assertSlidingWindow, futureWindow } from './sliding-window-contract.test-helper.js';

/** Two processes' worth of stores on one database (separate connections, as separate processes have). */
async function withTwoStores(name: 'sqlite' | 'postgres', fn: (stores: [Store, Store], target: StoreTarget) => Promise<void>): Promise<void> {
  const target = await createStoreTarget(name);
  const stores: [Store, Store] = [await target.open(), await target.open()];
  try {
    await fn(stores, target);
  } finally {
    for (const s of stores) await s.close();
    await target.destroy();
  }
}

for (const name of storeTargetNames()) {
  describe(`rate limit leased from the database on ${name}`, () => {
    it('decides as the per-request count does in one process: exactly the limit when requests race, the previous window carried', async () => {
      await withTwoStores(name, async ([store]) => {
        const { account } = await createAccount(store, { email: 'l@example.com', rateLimit: 10 });
        const limiter = new LeasedRateLimiter(store);
        const start = futureWindow(7);
        await assertSlidingWindow(limiter, account.id, start);
      });
    });

    it('two processes together never pass the limit, and what they hand back leaves the count at what they allowed', async () => {
      await withTwoStores(name, async (stores) => {
        const { account } = await createAccount(stores[0], { email: 'two@example.com', rateLimit: 500 });
        const limiters = stores.map((s) => new LeasedRateLimiter(s));
        const at = futureWindow(5, 1000);
        const small = await Promise.all(Array.from({ length: 30 }, (_, i) => limiters[i % 2]!.consume(account.id, 10, at)));
        assert.equal(small.filter((d) => d.allowed).length, 10, 'a limit of 10 leases one at a time: exactly 10');
        const { account: big } = await createAccount(stores[0], { email: 'big@example.com', rateLimit: 500 });
        const decisions = await Promise.all(Array.from({ length: 1200 }, (_, i) => limiters[i % 2]!.consume(big.id, 500, at)));
        const allowed = decisions.filter((d) => d.allowed).length;
        assert.ok(allowed <= 500, `${allowed} allowed`);
        for (const limiter of limiters) await limiter.flush();
        assert.equal(await readWindowCount(stores[0].db, big.id, at - 1000), allowed);
      });
    });

    it('counts a request stamped just before the lease window in that window (it used to spin without yielding)', async () => {
      await withTwoStores(name, async ([store]) => {
        const { account } = await createAccount(store, { email: 'late@example.com', rateLimit: 8 });
        const limiter = new LeasedRateLimiter(store);
        const windowStart = futureWindow(13);
        // a limit of 8 leases one count at a time: the first request spends the whole lease
        assert.equal((await limiter.consume(account.id, 8, windowStart + 1000)).allowed, true);
        // (before the fix this never returned: it spun on microtasks, so not even a timer could stop it; the
        // test runner's per-file timeout would fail the file)
        const late = await limiter.consume(account.id, 8, windowStart - 1000);
        assert.equal(late.allowed, true);
        assert.equal(await readWindowCount(store.db, account.id, windowStart), 2, 'both counted in the lease window');
      });
    });

    it('hands back a lease it did not spend when its window rolls over', async () => {
      await withTwoStores(name, async ([store]) => {
        const { account } = await createAccount(store, { email: 'roll@example.com', rateLimit: 1000 });
        const limiter = new LeasedRateLimiter(store);
        const at = futureWindow(11, 1000);
        assert.equal((await limiter.consume(account.id, 1000, at)).allowed, true);
        assert.ok((await readWindowCount(store.db, account.id, at - 1000)) > 1, 'claimed a lease of several');
        assert.equal((await limiter.consume(account.id, 1000, at + RATE_WINDOW_MS)).allowed, true);
        assert.equal(await readWindowCount(store.db, account.id, at - 1000), 1);
      });
    });
  });
}

describe('rate limit leases on sqlite when another process holds the write lock', () => {
  it('keeps serving the event loop while another process holds the lock, then claims', async () => {
    await withTwoStores('sqlite', async ([store], target) => {
      const { account } = await createAccount(store, { email: 'wait@example.com', rateLimit: 10 });
      const limiter = new LeasedRateLimiter(store);
      const release = await holdWriteLock(target, account.id);
      let settled = false;
      const decision = limiter.consume(account.id, 10).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(settled, false, 'waits for the write lock, while this timer still ran');
      await release();
      assert.equal((await decision).allowed, true);
    });
  });

  it('fails the request after the wait limit instead of waiting on', async () => {
    await withTwoStores('sqlite', async ([store], target) => {
      const { account } = await createAccount(store, { email: 'stuck@example.com', rateLimit: 10 });
      const release = await holdWriteLock(target, account.id);
      try {
        await assert.rejects(new LeasedRateLimiter(store, 50).consume(account.id, 10), WriteLockTimeoutError);
      } finally {
        await release();
      }
      assert.equal((await new LeasedRateLimiter(store, 50).consume(account.id, 10)).allowed, true);
    });
  });
});
