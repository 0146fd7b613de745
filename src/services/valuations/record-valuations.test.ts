import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { holdWriteLock } from '../../../test/support/hold-write-lock.js';
import { chargedValuation } from '../../../test/support/valuation-to-record.js';
import { createStoreTarget, storeTargetNames } from '../../../test/support/stores.js';
import { createAccount } from '../accounts/create-account.js';
import { getBalance } from '../ledger/get-balance.js';
import { WriteLockTimeoutError } from '../../store/write-lock.js';
import type { Store } from '../../store/database.js';
import { ValuationRecorder } from './record-valuations.js';

/** Lets timers run: the event loop is not stalled. */
const turns = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const name of storeTargetNames()) {
  describe(`group commit while another process holds the lock on ${name}`, () => {
    it('keeps serving the event loop, then commits once the lock is free', async () => {
      const target = await createStoreTarget(name);
      const store = await target.open();
      try {
        const { account } = await createAccount(store, { email: 'lock@example.com', credits: 1 });
        const release = await holdWriteLock(target, account.id);
        let settled = false;
        const recorded = new ValuationRecorder(store).record(chargedValuation(account.id)).finally(() => (settled = true));
        // Had the recorder waited inside SQLite's busy handler, this process would have stalled here and
        // the attempt failed with SQLITE_BUSY; it must still be waiting, unsettled.
        await turns(30);
        assert.equal(settled, false);
        await release();
        const result = await recorded;
        assert.ok('valuationId' in result);
        assert.equal(await getBalance(store.db, account.id), 0);
      } finally {
        await store.close();
        await target.destroy();
      }
    });

    it('one batch of several accounts: each valuation row is its own, each debit names its valuation, no-value answers and refusals write no debit', async () => {
      const target = await createStoreTarget(name);
      const store = await target.open();
      try {
        const rich = (await createAccount(store, { email: 'rich@example.com', credits: 10 })).account;
        const poor = (await createAccount(store, { email: 'poor@example.com', credits: 1 })).account;
        const recorder = new ValuationRecorder(store);
        const noValue = (accountId: number) => ({ ...chargedValuation(accountId), charge: false });
        // Handed over in one turn of the event loop, so one transaction (one multi-row insert on PostgreSQL).
        const items = [chargedValuation(rich.id), chargedValuation(poor.id), noValue(poor.id), chargedValuation(poor.id), chargedValuation(rich.id)];
        const settled = await Promise.all(items.map((item) => recorder.record(item)));
        assert.deepEqual(settled.map((r) => ('valuationId' in r ? 'recorded' : 'insufficient')), ['recorded', 'recorded', 'recorded', 'insufficient', 'recorded']);
        const ids = settled.flatMap((r) => ('valuationId' in r ? [r.valuationId] : []));
        assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'ids in the order handed over');
        const rows = await store.db.selectFrom('valuations').select(['id', 'account_id']).orderBy('id').execute();
        assert.deepEqual(rows.map((r) => [r.id, r.account_id]), [[ids[0], rich.id], [ids[1], poor.id], [ids[2], poor.id], [ids[3], rich.id]]);
        const debits = await store.db.selectFrom('ledger_entries').select(['reference', 'valuation_id', 'account_id']).where('amount', '=', -1).orderBy('id').execute();
        assert.deepEqual(
          debits.map((d) => [d.reference, d.valuation_id, d.account_id]),
          [ids[0], ids[1], ids[3]].map((id, k) => [`valuation:${id}`, id, k === 1 ? poor.id : rich.id]),
        );
        assert.equal(await getBalance(store.db, rich.id), 8);
        assert.equal(await getBalance(store.db, poor.id), 0);
        if (name === 'postgres') {
          // One transaction wrote them all (a failed batch is retried row by row, each in its own).
          const writers = await sql<{ x: string }>`select distinct xmin::text as x from valuations union select distinct xmin::text from ledger_entries where amount = -1`.execute(store.db);
          assert.equal(writers.rows.length, 1);
        }
      } finally {
        await store.close();
        await target.destroy();
      }
    });

    it('two processes racing 100 charges against a balance of 50: exactly 50 charged, balance 0', async () => {
      const target = await createStoreTarget(name);
      const stores = [await target.open(), await target.open()];
      try {
        const { account } = await createAccount(stores[0]!, { email: 'race@example.com', credits: 50 });
        const recorders = stores.map((s) => new ValuationRecorder(s));
        // Both queues fill while the lock is held elsewhere, then contend for it as it frees.
        const release = await holdWriteLock(target, account.id);
        const results = Array.from({ length: 100 }, (_, i) => recorders[i % 2]!.record(chargedValuation(account.id)));
        await turns(10);
        await release();
        const settled = await Promise.all(results);
        assert.equal(settled.filter((r) => 'valuationId' in r).length, 50);
        assert.equal(settled.filter((r) => 'insufficient' in r).length, 50);
        assert.equal(await getBalance(stores[1]!.db, account.id), 0);
        const debits = await stores[0]!.db.selectFrom('ledger_entries').select('reference').where('account_id', '=', account.id).where('amount', '=', -1).execute();
        assert.equal(new Set(debits.map((d) => d.reference)).size, 50);
      } finally {
        for (const s of stores) await s.close();
        await target.destroy();
      }
    });
  });
}

/** A SQLite store with an account of 3 credits whose write lock another connection holds while `fn` runs; nothing is charged. */
async function whileLockHeldElsewhere(email: string, fn: (store: Store, accountId: number) => Promise<void>): Promise<void> {
  const target = await createStoreTarget('sqlite');
  const store = await target.open();
  try {
    const { account } = await createAccount(store, { email, credits: 3 });
    const release = await holdWriteLock(target, account.id);
    try {
      await fn(store, account.id);
    } finally {
      await release();
    }
    assert.equal(await getBalance(store.db, account.id), 3);
    assert.equal((await store.db.selectFrom('valuations').select('id').execute()).length, 0);
  } finally {
    await store.close();
    await target.destroy();
  }
}

describe('group commit on sqlite when another process keeps the lock too long', () => {
  it('fails the batch after the wait limit, writing and charging nothing', async () => {
    await whileLockHeldElsewhere('long@example.com', async (store, accountId) => {
      const recorder = new ValuationRecorder(store, 50);
      await assert.rejects(Promise.all([recorder.record(chargedValuation(accountId)), recorder.record(chargedValuation(accountId))]), WriteLockTimeoutError);
    });
  });

  it('bounds each request wait from when it was handed over, however many batches are queued before it', async () => {
    await whileLockHeldElsewhere('queue@example.com', async (store, accountId) => {
      const limitMs = 300;
      const recorder = new ValuationRecorder(store, limitMs);
      const started = Date.now();
      // three batches' worth (256 to a batch): the last used to wait a full limit per batch ahead of it
      const settled = await Promise.allSettled(Array.from({ length: 600 }, () => recorder.record(chargedValuation(accountId))));
      const elapsed = Date.now() - started;
      assert.ok(settled.every((r) => r.status === 'rejected' && r.reason instanceof WriteLockTimeoutError));
      assert.ok(elapsed < 2 * limitMs, `all refused within one limit of being handed over (took ${elapsed} ms; three limits before)`);
    });
  });
});
