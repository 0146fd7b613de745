// Worker processes against a real database: one is killed with SIGKILL mid-job and another finishes the job
// (one result per item, debits equal to successes); on PostgreSQL two run side by side on one queue and no
// item is ever computed twice.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/wait-for.js';
import { storeTargetNames, withStore, type StoreTarget } from '../support/stores.js';
import type { Store } from '../../src/store/database.js';
import { seedMarkets, US_ORIGIN } from '../api/support/seed.js';
import { trainTestMarkets } from '../api/support/train-test-markets.js';
import { createAccount } from '../../src/services/accounts/create-account.js';
import { getBalance } from '../../src/services/ledger/get-balance.js';
import { submitJob } from '../../src/services/jobs/submit-job.js';
import { findJob, listItems } from '../../src/store/repositories/jobs.js';

/** Worker processes start, are killed and restart here: slow on a busy 2-core machine. */
const CRASH_WAIT_MS = 30_000;

const childScript = fileURLToPath(new URL('./support/worker-child.js', import.meta.url));

function startWorker(target: StoreTarget, env: Record<string, string>): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [childScript], {
    env: { ...process.env, STORE_URL: target.url, ...(target.schema ? { STORE_SCHEMA: target.schema } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Valora worker ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

function items(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    property_id: `p${i}`,
    location: { latitude: US_ORIGIN.latitude + (i % 4) * 0.001, longitude: US_ORIGIN.longitude },
    search_params: { num_comparables: 0 },
    // every 10th item cannot be valued (no fields at all): a failure, never charged
    property_fields: i % 10 === 9 ? {} : { total_bedrooms: 3, living_area: 1500 + i, property_type: 'houses' },
  }));
}


/** Every item has exactly one outcome; charged items, ledger debits and successes all agree. */
async function assertExactlyOnce(store: Store, jobId: string, accountId: number, startBalance: number | null) {
  const job = (await findJob(store.db, jobId))!;
  assert.equal(job.status, 'succeeded');
  const rows = await listItems(store.db, jobId, 10_000, 0);
  assert.equal(rows.length, job.total);
  assert.deepEqual(rows.map((r) => r.idx), Array.from({ length: job.total }, (_, i) => i));
  assert.ok(rows.every((r) => r.status === 'succeeded' || r.status === 'failed'), 'no item left pending');
  const successes = rows.filter((r) => r.status === 'succeeded').length;
  assert.equal(job.completed, successes);
  assert.equal(job.failed, job.total - successes);
  assert.equal(rows.filter((r) => r.charged === 1).length, successes);
  const debits = await store.db.selectFrom('ledger_entries').select(['reference', 'amount']).where('reference', 'like', `job:${jobId}:item:%`).execute();
  assert.equal(debits.length, successes, 'debits equal successes');
  assert.ok(debits.every((d) => d.amount === -1));
  if (startBalance !== null) assert.equal(await getBalance(store.db, accountId), startBalance - successes);
  return { successes, job };
}

for (const target of storeTargetNames()) {
  describe(`worker processes on ${target}`, () => {
    it('SIGKILL mid-job: another worker completes it, one result per item, debits equal successes', () =>
      withStore(target, async (store, storeTarget) => {
        await seedMarkets(store);
        await trainTestMarkets(store, { markets: ['test-us'] });
        const { account } = await createAccount(store, { email: 'kill@example.com', credits: 1000 });
        const { job } = await submitJob(store, { accountId: account.id, kind: 'avm_batch', avmType: 'property', items: items(300), fingerprint: 'kill' });

        const first = startWorker(storeTarget, { LEASE_MS: '1500', CHUNK_DELAY_MS: '40' });
        await first.ready;
        await waitFor('some items done', async () => ((await findJob(store.db, job.id))!.completed + (await findJob(store.db, job.id))!.failed) >= 60, CRASH_WAIT_MS);
        first.child.kill('SIGKILL');
        await first.exited;
        const atKill = (await findJob(store.db, job.id))!;
        assert.equal(atKill.status, 'running', 'killed mid-job');
        assert.ok(atKill.completed + atKill.failed < 300);

        const second = startWorker(storeTarget, { LEASE_MS: '1500' });
        try {
          await second.ready;
          await waitFor('job to succeed', async () => (await findJob(store.db, job.id))!.status === 'succeeded', CRASH_WAIT_MS);
          const { successes, job: done } = await assertExactlyOnce(store, job.id, account.id, 1000);
          assert.equal(successes, 270);
          assert.equal(done.attempts, 2, 'claimed by the killed worker, then reclaimed once');
        } finally {
          second.child.kill('SIGTERM');
          assert.equal(await second.exited, 0, 'graceful exit on SIGTERM');
        }
      }));

    if (target === 'postgres') {
      it('two worker processes share one queue and never compute an item twice', () =>
        withStore(target, async (store, storeTarget) => {
          await seedMarkets(store);
          await trainTestMarkets(store, { markets: ['test-us'] });
          const { account } = await createAccount(store, { email: 'pair@example.com', credits: 5000 });
          const dir = mkdtempSync(join(tmpdir(), 'valora-pair-'));
          const files = [join(dir, 'a.log'), join(dir, 'b.log')];
          const workers = files.map((f) => startWorker(storeTarget, { RECORD_FILE: f, CONCURRENCY: '2', CHUNK_DELAY_MS: '5' }));
          try {
            await Promise.all(workers.map((w) => w.ready));
            const jobs: Array<{ id: string }> = [];
            for (let j = 0; j < 8; j++) jobs.push((await submitJob(store, { accountId: account.id, kind: 'avm_batch', avmType: 'property', items: items(100), fingerprint: j })).job);
            await waitFor('all jobs', async () => {
              for (const j of jobs) if ((await findJob(store.db, j.id))!.status !== 'succeeded') return false;
              return true;
            }, CRASH_WAIT_MS);
            const lines = files.flatMap((f) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []));
            assert.equal(lines.length, 800, 'each of the 800 items computed once');
            assert.equal(new Set(lines).size, 800, 'no item computed twice');
            const perWorker = files.map((f) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0));
            assert.ok(perWorker.every((n) => n > 0), `both workers took jobs: ${perWorker.join(', ')}`);
            let total = 0;
            for (const j of jobs) total += (await assertExactlyOnce(store, j.id, account.id, null)).successes;
            assert.equal(total, 720);
            assert.equal(await getBalance(store.db, account.id), 5000 - 720);
          } finally {
            for (const w of workers) w.child.kill('SIGTERM');
            await Promise.all(workers.map((w) => w.exited));
            rmSync(dir, { recursive: true, force: true });
          }
        }));
    }
  });
}
