// The job and webhook claim loops poll every 50-100 ms in each serving process; with nothing to claim they
// must not take SQLite's write lock (an UPDATE takes it even when it matches nothing), or each poll
// contends with the valuations' commits and, while another process holds the lock, waits for it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { holdWriteLock } from '../../../test/support/hold-write-lock.js';
import { withStore } from '../../../test/support/stores.js';
import { createAccount } from '../../services/accounts/create-account.js';
import { claimJob } from './jobs.js';
import { claimDueDelivery } from './webhooks.js';

describe('idle claims on sqlite', () => {
  it('find nothing to claim without waiting for the write lock another process holds', async () => {
    await withStore('sqlite', async (store, target) => {
      const { account } = await createAccount(store, { email: 'idle@example.com' });
      const release = await holdWriteLock(target, account.id);
      try {
        // Waiting for the lock would end, after 10 s, in WriteLockTimeoutError instead.
        assert.equal(await claimJob(store.db, 'sqlite', 'w1', 30_000, new Date()), undefined);
        assert.equal(await claimDueDelivery(store.db, 'sqlite', 'w1', 30_000, new Date()), undefined);
      } finally {
        await release();
      }
    });
  });
});
