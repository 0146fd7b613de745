// Workers: claim a job with a lease, keep the lease alive with a heartbeat, process its pending items in
// chunks. Each chunk's results and ledger debits commit in one transaction that first re-checks the lease,
// so a worker that lost its job (cancelled, timed out, reclaimed after it stalled) writes nothing, and a
// worker killed at any line leaves every item either untouched (done again by the next claimant) or
// finished and charged exactly once (never redone).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Store } from '../../store/database.js';
import type { Database } from '../../store/schema.js';
import type { JobKind } from '../../store/tables/jobs.js';
import {
  addCounts,
  claimJob,
  finishItems,
  type ItemCompletion,
  overdueJobIds,
  pendingItems,
  releaseJob,
  renewLease,
  type JobItemRow,
  type JobRow,
} from '../../store/repositories/jobs.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import { debitJobItems } from './debit-job-items.js';
import { finishJobAndNotify } from './finish-job.js';
import { jobSignals, nudgeWebhooks } from './job-signals.js';

export interface ItemOutcome {
  status: 'succeeded' | 'failed';
  result?: unknown;
  error?: string;
  /** A succeeded item that costs one credit (a valuation). */
  chargeable?: boolean;
}

export interface JobContext {
  store: Store;
  /** Runs `fn` in a write transaction only while this worker still holds the job (else LeaseLostError). */
  withLease<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
}

export interface JobProcessor {
  /** Runs after each claim, before the items: a stage that creates items (a search) does it here. */
  prepare?(job: JobRow, ctx: JobContext): Promise<void>;
  /** One outcome per item, in the same order. Throwing fails the attempt (the job is retried). */
  processItems(job: JobRow, items: JobItemRow[], ctx: JobContext): Promise<ItemOutcome[]> | ItemOutcome[];
}

export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`lost the lease on job ${jobId}`);
  }
}

export const INSUFFICIENT_BALANCE_ERROR = 'Insufficient valuations';

export interface JobWorkerOptions {
  store: Store;
  processors: Partial<Record<JobKind, JobProcessor>>;
  /** Concurrent jobs in this process (each a claim loop). */
  concurrency?: number;
  /** A worker that stops heart-beating loses its job to another after this long. */
  leaseMs?: number;
  /** How often an idle worker looks for work (in-process submissions wake it at once). */
  pollMs?: number;
  chunkSize?: number;
  /** Claims after which a job that keeps failing (or killing its worker) is failed for good. */
  maxAttempts?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class JobWorker {
  readonly id: string;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private wake: () => void = () => {};
  private wakeup: Promise<void> = Promise.resolve();
  private lastSweep = 0;
  private readonly onNudge = () => this.wake();
  private readonly opts: Required<Omit<JobWorkerOptions, 'log'>> & Pick<JobWorkerOptions, 'log'>;

  constructor(options: JobWorkerOptions) {
    this.opts = { concurrency: 1, leaseMs: 30_000, pollMs: 50, chunkSize: 50, maxAttempts: 5, ...options };
    this.id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.resetWakeup();
  }

  start(): void {
    jobSignals.on('job', this.onNudge);
    for (let slot = 0; slot < this.opts.concurrency; slot++) this.loops.push(this.loop(`${this.id}:${slot}`));
  }

  /** Graceful stop: each loop finishes the chunk in hand, hands its job back to the queue, and returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    jobSignals.off('job', this.onNudge);
    this.wake();
    await Promise.all(this.loops);
  }

  private resetWakeup(): void {
    this.wakeup = new Promise<void>((resolve) => {
      this.wake = () => {
        resolve();
        this.resetWakeup();
      };
    });
  }

  private async loop(workerId: string): Promise<void> {
    while (!this.stopping) {
      try {
        await this.sweepOverdue();
        const job = await claimJob(this.opts.store.db, this.opts.store.dialect, workerId, this.opts.leaseMs, new Date());
        if (job) {
          await this.runJob(job, workerId);
          continue;
        }
      } catch (error) {
        this.opts.log?.('job worker error', { worker: workerId, error: String(error) });
      }
      if (this.stopping) break;
      await Promise.race([delay(this.opts.pollMs), this.wakeup]);
    }
  }

  /** Jobs past their deadline become timed_out even when no worker is running them. */
  private async sweepOverdue(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.lastSweep < 500) return;
    this.lastSweep = nowMs;
    const now = new Date(nowMs);
    const ids = await overdueJobIds(this.opts.store.db, now.toISOString());
    for (const id of ids) {
      const finished = await writeTransaction(this.opts.store, (trx) => finishJobAndNotify(trx, id, 'timed_out', { now, error: 'The job exceeded its timeout' }));
      if (finished) nudgeWebhooks();
    }
  }

  private async runJob(claimed: JobRow, workerId: string): Promise<void> {
    const { store, leaseMs } = this.opts;
    let job = claimed;
    let lost = false;
    const heartbeat = setInterval(() => {
      renewLease(store.db, job.id, workerId, leaseMs, new Date()).then(
        (held) => {
          if (!held) lost = true;
        },
        () => {},
      );
    }, Math.max(50, Math.floor(leaseMs / 3)));
    const ctx: JobContext = {
      store,
      withLease: (fn) =>
        writeTransaction(store, async (trx) => {
          if (!(await renewLease(trx, job.id, workerId, leaseMs, new Date()))) throw new LeaseLostError(job.id);
          return fn(trx);
        }),
    };
    try {
      if (job.attempts > this.opts.maxAttempts) {
        await this.finish(job.id, workerId, 'failed', `The job failed ${job.attempts - 1} times and was given up`);
        return;
      }
      const processor = this.opts.processors[job.kind];
      if (!processor) {
        await this.finish(job.id, workerId, 'failed', `No processor for jobs of kind ${job.kind}`);
        return;
      }
      if (processor.prepare) {
        await processor.prepare(job, ctx);
        job = (await store.db.selectFrom('jobs').selectAll().where('id', '=', job.id).executeTakeFirst()) ?? job;
      }
      for (;;) {
        if (lost) return;
        if (this.stopping) {
          await releaseJob(store.db, job.id, workerId, new Date());
          return;
        }
        if (job.timeout_at && job.timeout_at < new Date().toISOString()) {
          await this.finish(job.id, workerId, 'timed_out', 'The job exceeded its timeout');
          return;
        }
        const items = await pendingItems(store.db, job.id, this.opts.chunkSize);
        if (items.length === 0) {
          await this.finish(job.id, workerId, 'succeeded', null);
          return;
        }
        const outcomes = await processor.processItems(job, items, ctx);
        if (outcomes.length !== items.length) throw new Error(`processor for ${job.kind} returned ${outcomes.length} outcomes for ${items.length} items`);
        await ctx.withLease((trx) => this.commitChunk(trx, job, items, outcomes));
        // Let HTTP requests (polls, submissions) in between chunks when the worker shares the process.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      if (error instanceof LeaseLostError) return;
      this.opts.log?.('job attempt failed', { job: job.id, worker: workerId, error: String(error) });
      // Back to the queue; the attempt counter fails it for good after maxAttempts.
      await releaseJob(store.db, job.id, workerId, new Date()).catch(() => {});
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async commitChunk(trx: Kysely<Database>, job: JobRow, items: JobItemRow[], outcomes: ItemOutcome[]): Promise<void> {
    const now = new Date().toISOString();
    const reference = (index: number) => `job:${job.id}:item:${index}`;
    const chargeable = items.filter((_, i) => outcomes[i]!.status === 'succeeded' && outcomes[i]!.chargeable);
    const debits = await debitJobItems(trx, job.account_id, chargeable.map((item) => reference(item.idx)), (ref) => `batch ${ref}`);
    const debitOf = new Map(chargeable.map((item, i) => [item.idx, debits[i]!]));
    let completed = 0;
    let failed = 0;
    const completions: ItemCompletion[] = items.map((item, i) => {
      const outcome = outcomes[i]!;
      const debit = debitOf.get(item.idx);
      if (debit === 'insufficient') {
        failed++;
        return { index: item.idx, status: 'failed', error: INSUFFICIENT_BALANCE_ERROR, charged: false };
      }
      if (outcome.status === 'succeeded') completed++;
      else failed++;
      return { index: item.idx, status: outcome.status, result: outcome.result, error: outcome.error ?? null, charged: debit !== undefined };
    });
    const written = await finishItems(trx, job.id, completions, job.attempts, now);
    // Items are only written under the lease, so every one loaded as pending must still be: anything else
    // means two writers, and the whole chunk (debits included) is rolled back.
    if (written.length !== items.length) throw new Error(`job ${job.id}: ${items.length - written.length} items of the chunk were no longer pending`);
    await addCounts(trx, job.id, completed, failed, now);
  }

  private async finish(jobId: string, workerId: string, status: 'succeeded' | 'failed' | 'timed_out', error: string | null): Promise<void> {
    const finished = await writeTransaction(this.opts.store, (trx) => finishJobAndNotify(trx, jobId, status, { workerId, error }));
    if (finished) nudgeWebhooks();
  }
}
