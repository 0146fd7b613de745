// A job's terminal transition and its webhooks, written in the caller's transaction: a job is never
// finished without its deliveries queued, nor are deliveries queued for a job that did not finish.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { finishJob, listItems, type JobRow } from '../../store/repositories/jobs.js';
import { insertDelivery, listEndpoints } from '../../store/repositories/webhooks.js';
import { presentAvmBatch } from './present-avm-batch.js';
import { presentJob } from './present-job.js';

export type TerminalStatus = 'succeeded' | 'failed' | 'timed_out' | 'aborted';

const PENDING_ERRORS: Record<TerminalStatus, string | undefined> = {
  succeeded: undefined,
  failed: 'The job failed before this item was processed',
  timed_out: 'The job timed out before this item was processed',
  aborted: 'The job was cancelled before this item was processed',
};

/** The body polling shows for a finished job: PadStats' shape for AVM batches, ZillAPI's otherwise. */
export async function completedJobBody(db: Kysely<Database>, job: JobRow, requestId: string): Promise<unknown> {
  if (job.kind === 'avm_batch') return presentAvmBatch(job, await listItems(db, job.id, job.total + 1, 0));
  return { data: presentJob(job), request_id: requestId };
}

/**
 * Finishes the job if it is not finished yet (and, with `workerId`, only while that worker holds it).
 * Returns the finished job, or undefined when someone else finished it first.
 */
export async function finishJobAndNotify(
  trx: Kysely<Database>,
  jobId: string,
  status: TerminalStatus,
  options: { now?: Date; workerId?: string; accountId?: number; error?: string | null } = {},
): Promise<JobRow | undefined> {
  const now = (options.now ?? new Date()).toISOString();
  const job = await finishJob(trx, jobId, status, {
    now,
    workerId: options.workerId,
    accountId: options.accountId,
    error: options.error ?? null,
    pendingError: PENDING_ERRORS[status],
  });
  if (!job) return undefined;
  const destinations: Array<{ endpointId: number | null; url: string; secret: string }> = [];
  if (job.notify_url && job.webhook_secret) destinations.push({ endpointId: null, url: job.notify_url, secret: job.webhook_secret });
  for (const endpoint of await listEndpoints(trx, job.account_id)) destinations.push({ endpointId: endpoint.id, url: endpoint.url, secret: endpoint.secret });
  for (const destination of destinations) {
    const messageId = `msg_${randomUUID()}`;
    const body = JSON.stringify(await completedJobBody(trx, job, messageId));
    await insertDelivery(trx, { jobId: job.id, ...destination, messageId, body, now });
  }
  return job;
}
