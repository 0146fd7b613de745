// Creates a job (or, for a repeated Idempotency-Key, returns the one it created before) and wakes this
// process's workers.
import { createHash, randomUUID } from 'node:crypto';
import type { Store } from '../../store/database.js';
import type { JobKind } from '../../store/tables/jobs.js';
import { findJobByIdempotencyKey, insertJob, type JobRow } from '../../store/repositories/jobs.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import { createWebhookSecret } from '../webhooks/sign-webhook.js';
import { nudgeWorkers } from './job-signals.js';

/** Default and largest per-job timeout (seconds); a submission may ask for less or more within bounds. */
export const DEFAULT_JOB_TIMEOUT_SECS = 600;
export const MAX_JOB_TIMEOUT_SECS = 3600;

export class IdempotencyConflictError extends Error {
  constructor() {
    super('Idempotency-Key was already used with a different request');
  }
}

export interface SubmitJobInput {
  accountId: number;
  kind: JobKind;
  avmType?: string | null;
  chainStage?: string | null;
  params?: unknown;
  items: unknown[];
  notifyUrl?: string | null;
  idempotencyKey?: string | null;
  /** What identifies the request for idempotency: the route and its body. */
  fingerprint: unknown;
  timeoutSecs?: number;
}

export interface SubmittedJob {
  job: JobRow;
  /** False when an earlier submission with the same Idempotency-Key is returned. */
  created: boolean;
  /** The notify_url signing secret, returned only when the job is created. */
  webhookSecret: string | null;
}

export function requestHash(fingerprint: unknown): string {
  return createHash('sha256').update(JSON.stringify(fingerprint)).digest('hex');
}

export async function submitJob(store: Store, input: SubmitJobInput): Promise<SubmittedJob> {
  const hash = requestHash(input.fingerprint);
  const key = input.idempotencyKey ?? null;
  if (key !== null) {
    const existing = await findJobByIdempotencyKey(store.db, input.accountId, key);
    if (existing) return replay(existing, hash);
  }
  const id = randomUUID();
  const now = new Date();
  const timeoutSecs = input.timeoutSecs ?? DEFAULT_JOB_TIMEOUT_SECS;
  const webhookSecret = input.notifyUrl ? createWebhookSecret() : null;
  try {
    const job = await writeTransaction(store, async (trx) => {
      await insertJob(trx, {
        id,
        accountId: input.accountId,
        kind: input.kind,
        avmType: input.avmType ?? null,
        chainStage: input.chainStage ?? null,
        params: input.params ?? {},
        notifyUrl: input.notifyUrl ?? null,
        webhookSecret,
        idempotencyKey: key,
        requestHash: hash,
        timeoutAt: new Date(now.getTime() + timeoutSecs * 1000).toISOString(),
        items: input.items,
        now: now.toISOString(),
      });
      return trx.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
    nudgeWorkers();
    return { job, created: true, webhookSecret };
  } catch (error) {
    // Two submissions with the same key at once: the unique index lets one in; the other gets its job.
    if (key !== null) {
      const existing = await findJobByIdempotencyKey(store.db, input.accountId, key);
      if (existing) return replay(existing, hash);
    }
    throw error;
  }
}

function replay(existing: JobRow, hash: string): SubmittedJob {
  if (existing.request_hash !== hash) throw new IdempotencyConflictError();
  return { job: existing, created: false, webhookSecret: null };
}
