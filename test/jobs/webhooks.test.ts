// Webhook delivery against a real local receiver: first time, receiver down then up, never up, signatures
// verified with the standardwebhooks package, private destinations refused unless allowed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/wait-for.js';
import { Webhook } from 'standardwebhooks';
import { storeTargetNames, withStore } from '../support/stores.js';
import type { Store } from '../../src/store/database.js';
import { createAccount } from '../../src/services/accounts/create-account.js';
import { submitJob } from '../../src/services/jobs/submit-job.js';
import { JobWorker, type JobProcessor } from '../../src/services/jobs/job-worker.js';
import { WebhookDispatcher } from '../../src/services/webhooks/webhook-dispatcher.js';
import { DestinationPolicy, DestinationRefusedError } from '../../src/services/webhooks/check-destination.js';
import { retrySchedule, retryDelayMs } from '../../src/services/webhooks/retry-schedule.js';
import { createWebhookSecret, signWebhook } from '../../src/services/webhooks/sign-webhook.js';
import { deliverWebhook } from '../../src/services/webhooks/deliver-webhook.js';
import { findJob, listItems } from '../../src/store/repositories/jobs.js';
import { insertEndpoint, listJobDeliveries } from '../../src/store/repositories/webhooks.js';
import { presentAvmBatch } from '../../src/services/jobs/present-avm-batch.js';
import { startWebhookReceiver, unusedPort } from './support/webhook-receiver.js';

const echo: JobProcessor = {
  processItems: (_job, items) => items.map((item) => ({ status: 'succeeded', result: { echo: JSON.parse(item.input) } })),
};
const loopback = new DestinationPolicy(['loopback']);


async function runJobWithWebhook(store: Store, notifyUrl: string, backoffBaseMs: number) {
  const { account } = await createAccount(store, { email: `w${Math.random()}@example.com`, credits: 10 });
  const submitted = await submitJob(store, {
    accountId: account.id,
    kind: 'avm_batch',
    avmType: 'property',
    items: [{ property_id: 'ref-001' }, { property_id: 'ref-002' }],
    notifyUrl,
    fingerprint: Math.random(),
  });
  const worker = new JobWorker({ store, processors: { avm_batch: echo } });
  const dispatcher = new WebhookDispatcher({ store, policy: loopback, backoffBaseMs, pollMs: 20 });
  worker.start();
  dispatcher.start();
  return {
    ...submitted,
    accountId: account.id,
    stop: async () => {
      await worker.stop();
      await dispatcher.stop();
    },
  };
}

describe('webhook retry schedule', () => {
  it('is the documented 2 s, 4 s, 8 s: three retries, then none', () => {
    assert.deepEqual(retrySchedule(), [2000, 4000, 8000]);
    assert.equal(retryDelayMs(4), undefined);
    assert.deepEqual(retrySchedule(10), [10, 20, 40]);
  });
});

describe('webhook signatures', () => {
  it('verify with the standardwebhooks package; a tampered body does not', () => {
    const secret = createWebhookSecret();
    const body = JSON.stringify({ job_id: 'x', status: 'complete' });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, 'msg_1', timestamp, body) };
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new Webhook(secret).verify(body.replace('complete', 'failed'), headers));
    assert.throws(() => new Webhook(createWebhookSecret()).verify(body, headers));
  });
});

describe('webhook destinations', () => {
  it('refuses loopback, private, link-local and metadata addresses unless allowed', async () => {
    const strict = new DestinationPolicy();
    for (const url of ['http://127.0.0.1/x', 'http://10.1.2.3/', 'http://192.168.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/', 'http://172.20.0.1/', 'http://[::ffff:127.0.0.1]/', 'http://localhost/']) {
      await assert.rejects(strict.check(url), DestinationRefusedError, url);
    }
    await assert.rejects(strict.check('ftp://example.com/'), /http or https/);
    await assert.rejects(strict.check('not a url'), /absolute/);
    assert.equal(strict.refusal('93.184.216.34'), null);
    assert.equal((await loopback.check('http://127.0.0.1:1234/hook')).port, '1234');
    await assert.rejects(loopback.check('http://10.0.0.1/'), DestinationRefusedError);
    assert.equal(new DestinationPolicy(['10.0.0.0/8']).refusal('10.9.9.9'), null);
    assert.throws(() => new DestinationPolicy(['nonsense']), /allowlist/);
  });

  it('will not connect to a refused address even when asked directly', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const result = await deliverWebhook(new DestinationPolicy(), { url: receiver.url, secret: createWebhookSecret(), messageId: 'm', body: '{}' });
      assert.equal(result.ok, false);
      assert.match(result.error!, /refused/);
      const viaName = await deliverWebhook(new DestinationPolicy(), { url: `http://localhost:${receiver.port}/`, secret: createWebhookSecret(), messageId: 'm', body: '{}' });
      assert.equal(viaName.ok, false);
      assert.match(viaName.error!, /refused/);
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });
});

for (const target of storeTargetNames()) {
  describe(`webhook delivery on ${target}`, () => {
    it('delivers the polling body, signed, the first time', () =>
      withStore(target, async (store) => {
        const receiver = await startWebhookReceiver();
        const run = await runJobWithWebhook(store, `${receiver.url}/hooks/avm`, 20);
        try {
          const job = await waitFor('webhook_delivered', async () => {
            const j = await findJob(store.db, run.job.id);
            return j?.webhook_delivered === 1 && j;
          });
          assert.equal(receiver.received.length, 1);
          const hit = receiver.received[0]!;
          assert.equal(hit.path, '/hooks/avm');
          const payload = new Webhook(run.webhookSecret!).verify(hit.body, hit.headers as Record<string, string>) as Record<string, unknown>;
          const polled = presentAvmBatch({ ...job, webhook_delivered: null }, await listItems(store.db, job.id, 10, 0));
          assert.deepEqual(payload, polled);
          assert.equal(payload.status, 'complete');
          assert.deepEqual((payload.results as unknown as Array<Record<string, unknown>>).map((r) => r.property_id), ['ref-001', 'ref-002']);
          const [delivery] = await listJobDeliveries(store.db, run.job.id);
          assert.equal(delivery!.attempts, 1);
          assert.equal(delivery!.status, 'delivered');
        } finally {
          await run.stop();
          await receiver.close();
        }
      }));

    it('retries while the receiver is down and delivers once it is up', () =>
      withStore(target, async (store) => {
        const port = await unusedPort();
        const run = await runJobWithWebhook(store, `http://127.0.0.1:${port}/hook`, 150);
        let receiver;
        try {
          await waitFor('a failed first attempt', async () => (await listJobDeliveries(store.db, run.job.id))[0]?.attempts === 1);
          receiver = await startWebhookReceiver({ port });
          const job = await waitFor('delivery', async () => {
            const j = await findJob(store.db, run.job.id);
            return j?.webhook_delivered === 1 && j;
          });
          assert.equal(job.webhook_delivered, 1);
          const [delivery] = await listJobDeliveries(store.db, run.job.id);
          assert.ok(delivery!.attempts >= 2 && delivery!.attempts <= 4, `attempts ${delivery!.attempts}`);
          assert.equal(receiver.received.length, 1);
          assert.equal(receiver.received[0]!.headers['webhook-id'], delivery!.message_id);
        } finally {
          await run.stop();
          await receiver?.close();
        }
      }));

    it('gives up after 3 retries when the receiver never answers 2xx: webhook_delivered false', () =>
      withStore(target, async (store) => {
        const receiver = await startWebhookReceiver({ respond: () => 503 });
        const run = await runJobWithWebhook(store, `${receiver.url}/down`, 10);
        try {
          const job = await waitFor('give up', async () => {
            const j = await findJob(store.db, run.job.id);
            return j?.webhook_delivered === 0 && j;
          });
          assert.equal(job.webhook_delivered, 0);
          const [delivery] = await listJobDeliveries(store.db, run.job.id);
          assert.equal(delivery!.status, 'failed');
          assert.equal(delivery!.attempts, 4, 'the first attempt and 3 retries');
          assert.equal(delivery!.last_status_code, 503);
          assert.equal(receiver.received.length, 4);
          // every attempt carries the same message id, so a receiver can de-duplicate
          assert.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 1);
          // the gaps grow: each retry waited at least its scheduled delay
          const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at);
          for (let i = 0; i < gaps.length; i++) assert.ok(gaps[i]! >= retrySchedule(10)[i]! - 2, `gap ${i} ${gaps[i]}`);
        } finally {
          await run.stop();
          await receiver.close();
        }
      }));

    it('sends to the account endpoints too, each with its own secret, and resumes after a restart', () =>
      withStore(target, async (store) => {
        const receiver = await startWebhookReceiver();
        const { account } = await createAccount(store, { email: 'ep@example.com', credits: 5 });
        const secret = createWebhookSecret();
        await insertEndpoint(store.db, { accountId: account.id, url: `${receiver.url}/account`, description: null, secret, now: new Date().toISOString() });
        const { job } = await submitJob(store, { accountId: account.id, kind: 'properties_batch', items: [{ property_id: 1 }], fingerprint: 'p' });
        // The job finishes while no dispatcher runs (a process that died after finishing it).
        const worker = new JobWorker({ store, processors: { properties_batch: echo } });
        worker.start();
        await waitFor('job', async () => (await findJob(store.db, job.id))?.status === 'succeeded');
        await worker.stop();
        assert.equal(receiver.received.length, 0);
        const dispatcher = new WebhookDispatcher({ store, policy: loopback, backoffBaseMs: 10, pollMs: 20 });
        dispatcher.start();
        try {
          await waitFor('delivery', async () => (await findJob(store.db, job.id))?.webhook_delivered === 1);
          const hit = receiver.received[0]!;
          const payload = new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>) as { data: { job_id: string; status: string } };
          assert.equal(payload.data.job_id, job.id);
          assert.equal(payload.data.status, 'succeeded');
        } finally {
          await dispatcher.stop();
          await receiver.close();
        }
      }));
  });
}
