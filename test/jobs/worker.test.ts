// The queue and its workers against a real database: claims, leases, exactly-once charging, balance running
// out, cancellation, timeouts and reclaiming a dead worker's job.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor } from '../support/wait-for.js';
import { createStoreTarget, storeTargetNames, withStore, type StoreTarget } from '../support/stores.js';
import type { Store } from '../../src/store/database.js';
import { createAccount } from '../../src/services/accounts/create-account.js';
import { getBalance } from '../../src/services/ledger/get-balance.js';
import { submitJob, IdempotencyConflictError } from '../../src/services/jobs/submit-job.js';
import { cancelJob } from '../../src/services/jobs/cancel-job.js';
import { JobWorker, type JobProcessor } from '../../src/services/jobs/job-worker.js';
import { claimJob, findJob, listItems, renewLease } from '../../src/store/repositories/jobs.js';
import { listJobDeliveries } from '../../src/store/repositories/webhooks.js';
import { insertEndpoint } from '../../src/store/repositories/webhooks.js';
import { writeTransaction } from '../../src/store/repositories/ledger.js';
import { valuationRecorder } from '../../src/services/valuations/record-valuations.js';
import { chargedValuation } from '../support/valuation-to-record.js';
import { avmBatchProcessor } from '../../src/services/jobs/process-avm-batch.js';
import { createValuationContext } from '../../src/services/valuations/valuation-context.js';
import type { ValuationEngine } from '../../src/services/valuation-engine.js';
import type { MarketRuntime } from '../../src/services/market-runtime.js';
import { trainTestMarkets } from '../api/support/train-test-markets.js';
import { seedMarkets, US_ORIGIN } from '../api/support/seed.js';

/** Values item n as n*1000 when n is even; odd items fail (a lookup error). Even items cost a credit. */
const parityProcessor: JobProcessor = {
  processItems: (_job, items) =>
    items.map((item) => {
      const n = JSON.parse(item.input) as number;
      return n % 2 === 0 ? { status: 'succeeded', result: { value: n * 1000 }, chargeable: true } : { status: 'failed', error: `item ${n} not found` };
    }),
};


async function account(store: Store, email: string, credits: number): Promise<number> {
  return (await createAccount(store, { email, credits })).account.id;
}

async function ledgerDebits(store: Store, jobId: string): Promise<number> {
  const rows = await store.db.selectFrom('ledger_entries').select('reference').where('reference', 'like', `job:${jobId}:item:%`).execute();
  return rows.length;
}

for (const target of storeTargetNames()) {
  describe(`job queue on ${target}`, () => {
    it('runs a job to succeeded: results in input order, failures recorded, debits equal successes', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'a@example.com', 100);
        const { job } = await submitJob(store, { accountId, kind: 'avm_batch', avmType: 'property', items: [0, 1, 2, 3, 4, 5, 6], fingerprint: 1 });
        assert.equal(job.status, 'queued');
        const worker = new JobWorker({ store, processors: { avm_batch: parityProcessor }, chunkSize: 3 });
        worker.start();
        try {
          const done = await waitFor('job to finish', async () => {
            const j = await findJob(store.db, job.id);
            return j?.status === 'succeeded' && j;
          });
          assert.equal(done.completed, 4);
          assert.equal(done.failed, 3);
          assert.ok(done.completed_at);
          const items = await listItems(store.db, job.id, 100, 0);
          assert.deepEqual(items.map((i) => i.idx), [0, 1, 2, 3, 4, 5, 6]);
          assert.deepEqual(items.map((i) => i.status), ['succeeded', 'failed', 'succeeded', 'failed', 'succeeded', 'failed', 'succeeded']);
          assert.deepEqual(JSON.parse(items[2]!.result!), { value: 2000 });
          assert.equal(items[1]!.error, 'item 1 not found');
          assert.deepEqual(items.map((i) => i.charged), [1, 0, 1, 0, 1, 0, 1]);
          assert.equal(await ledgerDebits(store, job.id), 4);
          assert.equal(await getBalance(store.db, accountId), 96);
        } finally {
          await worker.stop();
        }
      }));

    it('stops charging when the balance runs out: the rest fail as "Insufficient valuations", uncharged', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'b@example.com', 2);
        const { job } = await submitJob(store, { accountId, kind: 'avm_batch', items: [0, 2, 4, 6, 8], fingerprint: 2 });
        const worker = new JobWorker({ store, processors: { avm_batch: parityProcessor } });
        worker.start();
        try {
          const done = await waitFor('job', async () => ((await findJob(store.db, job.id))?.status === 'succeeded' ? findJob(store.db, job.id) : undefined));
          assert.equal(done!.completed, 2);
          assert.equal(done!.failed, 3);
          const items = await listItems(store.db, job.id, 100, 0);
          assert.deepEqual(items.map((i) => i.error), [null, null, 'Insufficient valuations', 'Insufficient valuations', 'Insufficient valuations']);
          assert.equal(await getBalance(store.db, accountId), 0);
          assert.equal(await ledgerDebits(store, job.id), 2);
        } finally {
          await worker.stop();
        }
      }));

    it('a batch and concurrent single debits on one balance never overspend it', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'race@example.com', 40);
        const { job } = await submitJob(store, { accountId, kind: 'avm_batch', items: Array.from({ length: 60 }, (_, i) => i * 2), fingerprint: 'race' });
        const worker = new JobWorker({ store, processors: { avm_batch: parityProcessor }, chunkSize: 7 });
        worker.start();
        try {
          // Single valuations charged as POST /v1/valuations charges them, while the worker charges the batch.
          const singles = Array.from({ length: 30 }, () => valuationRecorder(store).record(chargedValuation(accountId)));
          const results = await Promise.all(singles);
          await waitFor('job', async () => (await findJob(store.db, job.id))?.status === 'succeeded');
          const charged = results.filter((r) => 'valuationId' in r).length + (await ledgerDebits(store, job.id));
          assert.equal(charged, 40, 'exactly the balance was spent');
          assert.equal(await getBalance(store.db, accountId), 0);
          const done = (await findJob(store.db, job.id))!;
          assert.equal(done.completed, await ledgerDebits(store, job.id));
        } finally {
          await worker.stop();
        }
      }));

    describe('AVM batch items valued by the real engine (the seeded US market, trained once)', () => {
      let storeTarget: StoreTarget;
      let seededStore: Store;
      let real: MarketRuntime;
      before(async () => {
        storeTarget = await createStoreTarget(target);
        seededStore = await storeTarget.open();
        await seedMarkets(seededStore);
        real = await trainTestMarkets(seededStore, { markets: ['test-us'] });
      });
      after(async () => {
        await seededStore.close();
        await storeTarget.destroy();
      });

      it('an AVM item the engine throws on fails alone; the rest of the chunk is valued', async () => {
        const store = seededStore;
        const fragile: ValuationEngine = {
          markets: () => real.markets(),
          isReady: (m) => real.isReady(m),
          marketAt: (lat, lon) => real.marketAt(lat, lon),
          value: (market, subject, options) => {
            if (subject.attributes.floor_area === 1234) throw new RangeError('engine bug');
            return real.value(market, subject, options);
          },
        };
        const processor = avmBatchProcessor(createValuationContext(store, fragile));
        const item = (area: number, idx: number) => ({
          job_id: 'j', idx, status: 'pending' as const, result: null, error: null, attempt: 0, charged: 0, updated_at: '',
          input: JSON.stringify({ location: { latitude: US_ORIGIN.latitude, longitude: US_ORIGIN.longitude }, search_params: { num_comparables: 0 }, property_fields: { living_area: area, total_bedrooms: 3, property_type: 'houses' } }),
        });
        const job = { avm_type: 'property', id: 'j' } as never;
        const outcomes = await processor.processItems(job, [item(1500, 0), item(1234, 1), item(1600, 2)], { store, withLease: async () => { throw new Error('unused'); } });
        assert.deepEqual(outcomes.map((o) => o.status), ['succeeded', 'failed', 'succeeded']);
        assert.equal(outcomes[1]!.error, 'Internal error while valuing this property');
        assert.equal(outcomes[0]!.chargeable, true);
      });

      it('batch items are valued without feature contributions unless they ask with explain: true', async () => {
        const store = seededStore;
        const asked: boolean[] = [];
        const spy: ValuationEngine = {
          markets: () => real.markets(),
          isReady: (m) => real.isReady(m),
          marketAt: (lat, lon) => real.marketAt(lat, lon),
          value: (market, subject, options) => {
            asked.push(options.explain === true);
            return real.value(market, subject, options);
          },
        };
        const processor = avmBatchProcessor(createValuationContext(store, spy));
        const item = (idx: number, explain?: boolean) => ({
          job_id: 'j', idx, status: 'pending' as const, result: null, error: null, attempt: 0, charged: 0, updated_at: '',
          input: JSON.stringify({ location: { latitude: US_ORIGIN.latitude, longitude: US_ORIGIN.longitude }, search_params: { num_comparables: 0 }, property_fields: { living_area: 1500, total_bedrooms: 3, property_type: 'houses' }, ...(explain === undefined ? {} : { explain }) }),
        });
        await processor.processItems({ avm_type: 'property', id: 'j' } as never, [item(0), item(1, true), item(2, false)], { store, withLease: async () => { throw new Error('unused'); } });
        assert.deepEqual(asked, [false, true, false]);
      });
    });

    it('reclaims a job whose worker stopped heart-beating; the old worker can no longer write', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'c@example.com', 10);
        const { job } = await submitJob(store, { accountId, kind: 'avm_batch', items: [0, 2], fingerprint: 3 });
        const dead = await claimJob(store.db, store.dialect, 'dead-worker', 100, new Date());
        assert.equal(dead?.id, job.id);
        assert.equal(await claimJob(store.db, store.dialect, 'other', 100, new Date()), undefined, 'a live lease is not claimable');
        await delay(150);
        const worker = new JobWorker({ store, processors: { avm_batch: parityProcessor } });
        worker.start();
        try {
          const done = await waitFor('job', async () => {
            const j = await findJob(store.db, job.id);
            return j?.status === 'succeeded' && j;
          });
          assert.equal(done.attempts, 2);
          assert.equal(await renewLease(store.db, job.id, 'dead-worker', 1000, new Date()), false);
          assert.equal(await ledgerDebits(store, job.id), 2);
        } finally {
          await worker.stop();
        }
      }));

    it('cancels a queued job: aborted, items closed uncharged, webhooks queued; cancelling again says finished', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'd@example.com', 10);
        const other = await account(store, 'e@example.com', 10);
        await insertEndpoint(store.db, { accountId, url: 'http://127.0.0.1:9/hook', description: null, secret: 'whsec_dGVzdA==', now: new Date().toISOString() });
        const { job } = await submitJob(store, { accountId, kind: 'avm_batch', items: [0, 2, 4], notifyUrl: 'http://127.0.0.1:9/n', fingerprint: 4 });
        assert.deepEqual(await cancelJob(store, other, job.id), { outcome: 'not_found' });
        const result = await cancelJob(store, accountId, job.id);
        assert.equal(result.outcome, 'aborted');
        const j = (await findJob(store.db, job.id))!;
        assert.equal(j.status, 'aborted');
        assert.equal(j.failed, 3);
        const items = await listItems(store.db, job.id, 10, 0);
        assert.ok(items.every((i) => i.status === 'skipped' && i.charged === 0 && /cancelled/.test(i.error!)));
        const deliveries = await listJobDeliveries(store.db, job.id);
        assert.equal(deliveries.length, 2);
        assert.deepEqual(deliveries.map((d) => d.endpoint_id === null), [true, false]);
        assert.equal(JSON.parse(deliveries[0]!.body).status, 'failed');
        assert.equal(JSON.parse(deliveries[0]!.body).job_status, 'aborted');
        assert.equal((await cancelJob(store, accountId, job.id)).outcome, 'already_finished');
      }));

    it('times out a job past its deadline, even with no worker to run it', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'f@example.com', 10);
        const { job } = await submitJob(store, { accountId, kind: 'search', items: [], fingerprint: 5, timeoutSecs: 0.05 });
        await delay(80);
        const worker = new JobWorker({ store, processors: {} });
        worker.start();
        try {
          const done = await waitFor('timeout', async () => {
            const j = await findJob(store.db, job.id);
            return j?.status === 'timed_out' && j;
          });
          assert.equal(done.error, 'The job exceeded its timeout');
        } finally {
          await worker.stop();
        }
      }));

    it('an Idempotency-Key returns the first job; the same key with another body is refused', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'g@example.com', 10);
        const other = await account(store, 'h@example.com', 10);
        const first = await submitJob(store, { accountId, kind: 'avm_batch', items: [0], fingerprint: { body: 1 }, idempotencyKey: 'k1', notifyUrl: 'http://127.0.0.1:9/' });
        assert.equal(first.created, true);
        assert.match(first.webhookSecret!, /^whsec_/);
        const again = await submitJob(store, { accountId, kind: 'avm_batch', items: [0], fingerprint: { body: 1 }, idempotencyKey: 'k1' });
        assert.equal(again.created, false);
        assert.equal(again.job.id, first.job.id);
        await assert.rejects(submitJob(store, { accountId, kind: 'avm_batch', items: [0, 2], fingerprint: { body: 2 }, idempotencyKey: 'k1' }), IdempotencyConflictError);
        const elsewhere = await submitJob(store, { accountId: other, kind: 'avm_batch', items: [0], fingerprint: { body: 1 }, idempotencyKey: 'k1' });
        assert.notEqual(elsewhere.job.id, first.job.id, 'keys are per account');
      }));

    it('cancelling a running job: the chunk in hand is not written or charged', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'cancel-running@example.com', 100);
        let started!: () => void;
        const chunkStarted = new Promise<void>((r) => (started = r));
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const slow: JobProcessor = {
          async processItems(job, items, ctx) {
            started();
            await gate;
            return parityProcessor.processItems(job, items, ctx);
          },
        };
        const { job } = await submitJob(store, { accountId, kind: 'avm_batch', items: [0, 2, 4, 6], fingerprint: 'cr' });
        const worker = new JobWorker({ store, processors: { avm_batch: slow }, chunkSize: 2 });
        worker.start();
        try {
          await chunkStarted;
          assert.equal((await findJob(store.db, job.id))!.status, 'running');
          assert.equal((await cancelJob(store, accountId, job.id)).outcome, 'aborted');
          release();
          await delay(200);
          const j = (await findJob(store.db, job.id))!;
          assert.equal(j.status, 'aborted');
          assert.equal(j.completed, 0);
          const items = await listItems(store.db, job.id, 10, 0);
          assert.ok(items.every((i) => i.status === 'skipped' && i.charged === 0));
          assert.equal(await ledgerDebits(store, job.id), 0);
          assert.equal(await getBalance(store.db, accountId), 100);
        } finally {
          release();
          await worker.stop();
        }
      }));

    it('graceful stop hands the job back to the queue for another worker', () =>
      withStore(target, async (store) => {
        const accountId = await account(store, 'i@example.com', 1000);
        let started!: () => void;
        const chunkStarted = new Promise<void>((r) => (started = r));
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const slow: JobProcessor = {
          async processItems(job, items, ctx) {
            started();
            await gate;
            return parityProcessor.processItems(job, items, ctx);
          },
        };
        const { job } = await submitJob(store, { accountId, kind: 'avm_batch', items: [0, 2, 4, 6], fingerprint: 6 });
        const first = new JobWorker({ store, processors: { avm_batch: slow }, chunkSize: 2 });
        first.start();
        await chunkStarted;
        const stopping = first.stop();
        release();
        await stopping;
        const mid = (await findJob(store.db, job.id))!;
        assert.equal(mid.status, 'queued');
        assert.equal(mid.completed, 2, 'the chunk in hand was finished before stopping');
        const second = new JobWorker({ store, processors: { avm_batch: parityProcessor } });
        second.start();
        try {
          await waitFor('job', async () => (await findJob(store.db, job.id))?.status === 'succeeded');
          assert.equal(await ledgerDebits(store, job.id), 4);
          assert.equal(await getBalance(store.db, accountId), 996);
        } finally {
          await second.stop();
        }
      }));
  });
}
