// SQL for the job queue: jobs, their items, claims with a lease, and the terminal transitions.
// Every write a worker makes is conditioned on still holding the job's lease (worker_id and status), so a
// worker whose job was cancelled, timed out or reclaimed can never write a result or a debit for it.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { DialectName } from '../database.js';
import type { JobItemStatus, JobItemsTable, JobKind, JobStatus, JobsTable } from '../tables/jobs.js';

type Db = Kysely<Database>;
export type JobRow = Selectable<JobsTable>;
export type JobItemRow = Selectable<JobItemsTable>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'timed_out', 'aborted'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export interface NewJob {
  id: string;
  accountId: number;
  kind: JobKind;
  avmType?: string | null;
  chainStage?: string | null;
  params: unknown;
  notifyUrl?: string | null;
  webhookSecret?: string | null;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  timeoutAt?: string | null;
  /** Item inputs in order; their index is their position. */
  items: unknown[];
  now: string;
}

const INSERT_ROWS = 200;

/** Writes the job and its items; the caller wraps it in a transaction. */
export async function insertJob(db: Db, job: NewJob): Promise<void> {
  await db
    .insertInto('jobs')
    .values({
      id: job.id,
      account_id: job.accountId,
      kind: job.kind,
      avm_type: job.avmType ?? null,
      status: 'queued',
      chain_stage: job.chainStage ?? null,
      params: JSON.stringify(job.params ?? {}),
      total: job.items.length,
      completed: 0,
      failed: 0,
      notify_url: job.notifyUrl ?? null,
      webhook_secret: job.webhookSecret ?? null,
      webhook_delivered: null,
      idempotency_key: job.idempotencyKey ?? null,
      request_hash: job.requestHash ?? null,
      timeout_at: job.timeoutAt ?? null,
      worker_id: null,
      lease_expires_at: null,
      attempts: 0,
      error: null,
      created_at: job.now,
      updated_at: job.now,
      started_at: null,
      completed_at: null,
    })
    .execute();
  await insertItems(db, job.id, 0, job.items, job.now);
}

export async function insertItems(db: Db, jobId: string, firstIndex: number, inputs: unknown[], now: string): Promise<void> {
  for (let start = 0; start < inputs.length; start += INSERT_ROWS) {
    const rows = inputs.slice(start, start + INSERT_ROWS).map((input, i) => ({
      job_id: jobId,
      idx: firstIndex + start + i,
      input: JSON.stringify(input ?? null),
      status: 'pending' as const,
      result: null,
      error: null,
      attempt: 0,
      charged: 0,
      updated_at: now,
    }));
    await db.insertInto('job_items').values(rows).execute();
  }
}

export async function findJob(db: Db, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The job if it belongs to this account; another account's job is indistinguishable from none. */
export async function findAccountJob(db: Db, id: string, accountId: number): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
}

/** An account's jobs, newest first; `before` (a job's created_at and id) continues after that job. */
export async function listAccountJobs(db: Db, accountId: number, limit: number, before?: { createdAt: string; id: string }): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll().where('account_id', '=', accountId);
  if (before) query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function findJobByIdempotencyKey(db: Db, accountId: number, key: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('account_id', '=', accountId).where('idempotency_key', '=', key).executeTakeFirst();
}

/**
 * Takes the oldest job that is queued, or running under a lease that has expired (its worker died), and
 * leases it to `workerId`. PostgreSQL skips rows another worker is claiming at the same instant; SQLite
 * serialises writers, so a single UPDATE … WHERE id = (SELECT …) is already atomic.
 */
export async function claimJob(db: Db, dialect: DialectName, workerId: string, leaseMs: number, now: Date): Promise<JobRow | undefined> {
  const nowIso = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  let candidate = db
    .selectFrom('jobs')
    .select('id')
    .where((eb) =>
      eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<', nowIso)])]),
    )
    .orderBy('created_at')
    .orderBy('id')
    .limit(1);
  if (dialect === 'postgres') candidate = candidate.forUpdate().skipLocked();
  // SQLite takes its one write lock for an UPDATE even when it matches nothing: an idle poll (every
  // 50 ms in each serving process) only reads, and never contends with the valuations' commits.
  else if (!(await candidate.executeTakeFirst())) return undefined;
  return db
    .updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      worker_id: workerId,
      lease_expires_at: leaseUntil,
      started_at: eb.fn.coalesce('started_at', sql.lit(nowIso)),
      attempts: eb('attempts', '+', 1),
      updated_at: nowIso,
    }))
    .where('id', '=', (eb) => eb.selectFrom(candidate.as('c')).select('c.id'))
    .where((eb) => eb.or([eb('status', '=', 'queued'), eb('status', '=', 'running')]))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Extends the lease and touches the job, but only while this worker still holds it. Returns false when the
 * job was cancelled, timed out or reclaimed: the worker must stop writing.
 */
export async function renewLease(db: Db, jobId: string, workerId: string, leaseMs: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(), updated_at: now.toISOString() })
    .where('id', '=', jobId)
    .where('worker_id', '=', workerId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Hands a job back to the queue (graceful stop): another worker may claim it at once. */
export async function releaseJob(db: Db, jobId: string, workerId: string, now: Date): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'queued', worker_id: null, lease_expires_at: null, updated_at: now.toISOString() })
    .where('id', '=', jobId)
    .where('worker_id', '=', workerId)
    .where('status', '=', 'running')
    .execute();
}

export async function pendingItems(db: Db, jobId: string, limit: number): Promise<JobItemRow[]> {
  return db
    .selectFrom('job_items')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('status', '=', 'pending')
    .orderBy('idx')
    .limit(limit)
    .execute();
}

/**
 * Records one item's outcome if it is still pending. Returns false when it was already finished (it is
 * never redone, and its counters were already counted).
 */
export async function finishItem(
  db: Db,
  jobId: string,
  index: number,
  outcome: { status: Exclude<JobItemStatus, 'pending'>; result?: unknown; error?: string | null; charged: boolean; attempt: number },
  now: string,
): Promise<boolean> {
  const updated = await db
    .updateTable('job_items')
    .set({
      status: outcome.status,
      result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
      error: outcome.error ?? null,
      charged: outcome.charged ? 1 : 0,
      attempt: outcome.attempt,
      updated_at: now,
    })
    .where('job_id', '=', jobId)
    .where('idx', '=', index)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export interface ItemCompletion {
  index: number;
  status: Exclude<JobItemStatus, 'pending'>;
  result?: unknown;
  error?: string | null;
  charged: boolean;
}

/**
 * Records a chunk's outcomes in one statement, for the items still pending; returns the indices written.
 * (CASE over the index: one round trip for the chunk on either dialect.)
 */
export async function finishItems(db: Db, jobId: string, items: ItemCompletion[], attempt: number, now: string): Promise<number[]> {
  if (items.length === 0) return [];
  const caseOf = (value: (item: ItemCompletion) => unknown, cast: 'text' | 'integer') =>
    sql`case idx ${sql.join(items.map((item) => sql`when ${item.index} then cast(${value(item)} as ${sql.raw(cast)})`), sql` `)} end`;
  const rows = await db
    .updateTable('job_items')
    .set({
      status: caseOf((i) => i.status, 'text') as never,
      result: caseOf((i) => (i.result === undefined ? null : JSON.stringify(i.result)), 'text') as never,
      error: caseOf((i) => i.error ?? null, 'text') as never,
      charged: caseOf((i) => (i.charged ? 1 : 0), 'integer') as never,
      attempt,
      updated_at: now,
    })
    .where('job_id', '=', jobId)
    .where('status', '=', 'pending')
    .where('idx', 'in', items.map((i) => i.index))
    .returning('idx')
    .execute();
  return rows.map((r) => r.idx);
}

/** Which of these ledger references exist already. */
export async function existingReferences(db: Db, references: string[]): Promise<Set<string>> {
  if (references.length === 0) return new Set();
  const rows = await db.selectFrom('ledger_entries').select('reference').where('reference', 'in', references).execute();
  return new Set(rows.map((r) => r.reference));
}

export async function addCounts(db: Db, jobId: string, completed: number, failed: number, now: string): Promise<void> {
  if (completed === 0 && failed === 0) return;
  await db
    .updateTable('jobs')
    .set((eb) => ({ completed: eb('completed', '+', completed), failed: eb('failed', '+', failed), updated_at: now }))
    .where('id', '=', jobId)
    .execute();
}

export async function setJobTotal(db: Db, jobId: string, total: number, chainStage: string | null, now: string): Promise<void> {
  await db.updateTable('jobs').set({ total, chain_stage: chainStage, updated_at: now }).where('id', '=', jobId).execute();
}

/**
 * Moves a non-terminal job to a terminal status. `expect` narrows who may do it: a worker passes its id
 * (it must hold the lease); cancellation and the timeout sweep pass none. Items still pending are closed
 * with `pendingError`. Returns the updated job, or undefined when the transition did not apply.
 */
export async function finishJob(
  db: Db,
  jobId: string,
  status: Exclude<JobStatus, 'queued' | 'running'>,
  options: { now: string; workerId?: string; accountId?: number; error?: string | null; pendingError?: string },
): Promise<JobRow | undefined> {
  let update = db
    .updateTable('jobs')
    .set({
      status,
      error: options.error ?? null,
      worker_id: null,
      lease_expires_at: null,
      updated_at: options.now,
      completed_at: options.now,
    })
    .where('id', '=', jobId)
    .where('status', 'in', ['queued', 'running']);
  if (options.workerId !== undefined) update = update.where('worker_id', '=', options.workerId).where('status', '=', 'running');
  if (options.accountId !== undefined) update = update.where('account_id', '=', options.accountId);
  const job = await update.returningAll().executeTakeFirst();
  if (!job) return undefined;
  if (options.pendingError) {
    const skipped = await db
      .updateTable('job_items')
      .set({ status: 'skipped', error: options.pendingError, updated_at: options.now })
      .where('job_id', '=', jobId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const count = Number(skipped.numUpdatedRows);
    if (count > 0) {
      await addCounts(db, jobId, 0, count, options.now);
      job.failed += count;
    }
  }
  return job;
}

/** Jobs past their deadline that are not yet terminal. */
export async function overdueJobIds(db: Db, now: string): Promise<string[]> {
  const rows = await db
    .selectFrom('jobs')
    .select('id')
    .where('status', 'in', ['queued', 'running'])
    .where('timeout_at', 'is not', null)
    .where('timeout_at', '<', now)
    .limit(100)
    .execute();
  return rows.map((r) => r.id);
}

export async function listItems(db: Db, jobId: string, limit: number, offset: number): Promise<JobItemRow[]> {
  return db.selectFrom('job_items').selectAll().where('job_id', '=', jobId).orderBy('idx').limit(limit).offset(offset).execute();
}

export async function countItems(db: Db, jobId: string): Promise<number> {
  const row = await db.selectFrom('job_items').select((eb) => eb.fn.countAll<number>().as('n')).where('job_id', '=', jobId).executeTakeFirstOrThrow();
  return Number(row.n);
}

// updated_at is left alone: it dates the job's own last change, which PadStats shows equal to completed_at.
export async function setWebhookDelivered(db: Db, jobId: string, delivered: boolean): Promise<void> {
  await db.updateTable('jobs').set({ webhook_delivered: delivered ? 1 : 0 }).where('id', '=', jobId).execute();
}
