// SQL for account webhook endpoints and the delivery queue (claimed with a lease like jobs, so any process
// may deliver and a delivery interrupted by a restart is resumed by the next one).
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { DialectName } from '../database.js';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../tables/jobs.js';

type Db = Kysely<Database>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

export async function insertEndpoint(
  db: Db,
  endpoint: { accountId: number; url: string; description: string | null; secret: string; now: string },
): Promise<WebhookEndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({
      account_id: endpoint.accountId,
      url: endpoint.url,
      description: endpoint.description,
      secret: endpoint.secret,
      created_at: endpoint.now,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listEndpoints(db: Db, accountId: number): Promise<WebhookEndpointRow[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
}

export async function countEndpoints(db: Db, accountId: number): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Soft-deletes the endpoint if it is this account's; false when there is no such live endpoint. */
export async function deleteEndpoint(db: Db, accountId: number, id: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('webhook_endpoints')
    .set({ deleted_at: now })
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface NewDelivery {
  jobId: string;
  endpointId: number | null;
  url: string;
  secret: string;
  messageId: string;
  body: string;
  now: string;
}

export async function insertDelivery(db: Db, d: NewDelivery): Promise<void> {
  await db
    .insertInto('webhook_deliveries')
    .values({
      job_id: d.jobId,
      endpoint_id: d.endpointId,
      url: d.url,
      secret: d.secret,
      message_id: d.messageId,
      body: d.body,
      status: 'pending',
      attempts: 0,
      next_attempt_at: d.now,
      worker_id: null,
      lease_expires_at: null,
      last_status_code: null,
      last_error: null,
      delivered_at: null,
      created_at: d.now,
      updated_at: d.now,
    })
    .execute();
}

/** Leases the next pending delivery that is due and not leased by a live worker. */
export async function claimDueDelivery(db: Db, dialect: DialectName, workerId: string, leaseMs: number, now: Date): Promise<WebhookDeliveryRow | undefined> {
  const nowIso = now.toISOString();
  let candidate = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', nowIso)
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', nowIso)]))
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(1);
  if (dialect === 'postgres') candidate = candidate.forUpdate().skipLocked();
  // SQLite takes its one write lock for an UPDATE even when it matches nothing: an idle poll (every
  // 100 ms in each serving process) only reads, and never contends with the valuations' commits.
  else if (!(await candidate.executeTakeFirst())) return undefined;
  return db
    .updateTable('webhook_deliveries')
    .set({ worker_id: workerId, lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(), updated_at: nowIso })
    .where('id', '=', (eb) => eb.selectFrom(candidate.as('c')).select('c.id'))
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** The earliest moment a pending delivery becomes due (to sleep until then), or undefined. */
export async function nextDeliveryDue(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('due'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return (row?.due as string | null | undefined) ?? undefined;
}

/** Records an attempt's outcome; only the worker holding the lease may. Returns false if it lost it. */
export async function recordAttempt(
  db: Db,
  id: number,
  workerId: string,
  outcome: {
    status: 'pending' | 'delivered' | 'failed';
    attempts: number;
    nextAttemptAt: string;
    statusCode: number | null;
    error: string | null;
    now: string;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      attempts: outcome.attempts,
      next_attempt_at: outcome.nextAttemptAt,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      delivered_at: outcome.status === 'delivered' ? outcome.now : null,
      worker_id: null,
      lease_expires_at: null,
      updated_at: outcome.now,
    })
    .where('id', '=', id)
    .where('worker_id', '=', workerId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listJobDeliveries(db: Db, jobId: string): Promise<WebhookDeliveryRow[]> {
  return db.selectFrom('webhook_deliveries').selectAll().where('job_id', '=', jobId).orderBy('id').execute();
}
