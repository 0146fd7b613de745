import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames, withStore } from '../../../test/support/stores.js';
import { createAccount } from '../accounts/create-account.js';
import { consumeRateLimit, RATE_WINDOW_MS, secondsUntilAllowed } from './consume-rate-limit.js';

for (const name of storeTargetNames()) {
  describe(`rate limit on ${name}`, () => {
    it('allows exactly the limit in a window, even when requests race, and carries the previous window', async () => {
      await withStore(name, async (store) => {
        const { account } = await createAccount(store, { email: 'r@example.com', rateLimit: 10 });
        const start = Math.ceil(Date.now() / RATE_WINDOW_MS) * RATE_WINDOW_MS + 7 * RATE_WINDOW_MS;
        const decisions = await Promise.all(Array.from({ length: 25 }, () => consumeRateLimit(store.db, account.id, 10, start + 1000)));
        assert.equal(decisions.filter((d) => d.allowed).length, 10);
        const refused = decisions.find((d) => !d.allowed)!;
        assert.equal(refused.limit, 10);
        assert.equal(refused.remaining, 0);
        assert.ok(refused.retryAfter >= 1);
        // Halfway through the next window half of the previous ten still count: five more fit.
        const next = start + RATE_WINDOW_MS + RATE_WINDOW_MS / 2;
        const later = [];
        for (let i = 0; i < 7; i++) later.push(await consumeRateLimit(store.db, account.id, 10, next));
        assert.equal(later.filter((d) => d.allowed).length, 5);
        assert.equal(later[0]!.remaining, 4);
        // Two windows on, the old counts no longer matter.
        const fresh = await consumeRateLimit(store.db, account.id, 10, start + 3 * RATE_WINDOW_MS);
        assert.equal(fresh.allowed, true);
        assert.equal(fresh.remaining, 9);
      });
    });
  });
}

describe('secondsUntilAllowed', () => {
  it('waits for the previous window to decay, or for the current window to roll over', () => {
    // 60 of 60 last window, none yet, 0 s into this one: the estimate falls below 60 after 1 s.
    assert.equal(secondsUntilAllowed(60, 0, 60, 0, 0), 1);
    // 60 in the current window, 30 s in: 30 s until it rolls, then 1 s of decay.
    assert.equal(secondsUntilAllowed(0, 60, 60, 30_000, 0), 31);
  });
});
