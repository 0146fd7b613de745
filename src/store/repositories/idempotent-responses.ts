// SQL for idempotent answers: a claim row is inserted before the work (the unique key makes a second,
// concurrent request with the same key lose), completed with the answer, or released on failure.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface StoredAnswer {
  route: string;
  requestHash: string;
  statusCode: number | null;
  body: string | null;
}

/** Claims the key; returns the existing row instead when the key was already used. */
export async function claimIdempotencyKey(db: Kysely<Database>, accountId: number, key: string, route: string, requestHash: string): Promise<{ claimed: true; id: number } | { claimed: false; existing: StoredAnswer }> {
  const inserted = await db
    .insertInto('idempotent_responses')
    .values({ account_id: accountId, idempotency_key: key, route, request_hash: requestHash, status_code: null, body: null, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['account_id', 'idempotency_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { claimed: true, id: inserted.id };
  const row = await db.selectFrom('idempotent_responses').select(['route', 'request_hash', 'status_code', 'body']).where('account_id', '=', accountId).where('idempotency_key', '=', key).executeTakeFirstOrThrow();
  return { claimed: false, existing: { route: row.route, requestHash: row.request_hash, statusCode: row.status_code, body: row.body } };
}

export async function completeIdempotencyKey(db: Kysely<Database>, id: number, statusCode: number, body: string): Promise<void> {
  await db.updateTable('idempotent_responses').set({ status_code: statusCode, body }).where('id', '=', id).execute();
}

export async function releaseIdempotencyKey(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('idempotent_responses').where('id', '=', id).execute();
}
