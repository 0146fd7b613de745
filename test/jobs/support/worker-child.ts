// A `valora worker` process for the crash tests: the same workQueue over the same engine the CLI runs
// (prepareEngine, loading the models the test trained before starting it). Options by environment:
// STORE_URL, STORE_SCHEMA, LEASE_MS, CHUNK_DELAY_MS (a pause per chunk, so a test can kill it mid-job),
// RECORD_FILE (every item this process computed is appended as "job:index", to prove none ran twice).
import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { openStore } from '../../../src/store/database.js';
import { workQueue } from '../../../src/cli/commands/worker.js';
import type { JobProcessor } from '../../../src/services/jobs/job-worker.js';
import { prepareEngine } from '../../../src/services/prepare-engine.js';

const store = await openStore({ url: process.env.STORE_URL!, ...(process.env.STORE_SCHEMA ? { schema: process.env.STORE_SCHEMA } : {}) });
const engine = await prepareEngine(store, { train: false });
const chunkDelay = Number(process.env.CHUNK_DELAY_MS ?? 0);
const recordFile = process.env.RECORD_FILE;

function instrument(processor: JobProcessor): JobProcessor {
  return {
    ...processor,
    async processItems(job, items, ctx) {
      if (chunkDelay > 0) await delay(chunkDelay);
      const outcomes = await processor.processItems(job, items, ctx);
      if (recordFile) appendFileSync(recordFile, items.map((i) => `${job.id}:${i.idx}\n`).join(''));
      return outcomes;
    },
  };
}

await workQueue(store, engine, {
  workers: Number(process.env.CONCURRENCY ?? 1),
  leaseMs: Number(process.env.LEASE_MS ?? 30_000),
  pollMs: 20,
  wrapProcessors: (p) => ({ ...p, avm_batch: instrument(p.avm_batch) }),
});
await store.close();
