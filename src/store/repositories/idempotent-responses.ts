// SQL for idempotent answers: a claim row is inserted before the work (the unique key makes a second,
// concurrent request with the same key lose), completed with the answer, or released on failure.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../schema.js';
import { isPostgresDb } from '../database.js';

/**
 * The database's clock, `agoMs` earlier, as the ISO text `created_at` holds. Claims are stamped and judged
 * stale by it, never by a process's own clock: processes on machines whose clocks disagree would otherwise
 * judge a running request's claim abandoned. (SQLite's clock is the one machine's.)
 */
function databaseTime(db: Kysely<Database>, agoMs = 0): RawBuilder<string> {
  const seconds = agoMs / 1000;
  if (isPostgresDb(db)) return sql<string>`to_char((clock_timestamp() - make_interval(secs => ${seconds})) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`-${seconds} seconds`})`;
}

export interface StoredAnswer {
  id: number;
  createdAt: string;
  route: string;
  requestHash: string;
  statusCode: number | null;
  body: string | null;
}

/**
 * A claim as one request holds it: its row, and the stamp it was taken with. Every later write names the
 * stamp, so a request whose claim a retry has taken over (a new stamp) can neither answer nor release it.
 */
export interface HeldClaim {
  id: number;
  stamp: string;
}

/** Claims the key; returns the existing row instead when the key was already used. */
export async function claimIdempotencyKey(db: Kysely<Database>, accountId: number, key: string, route: string, requestHash: string): Promise<{ claimed: HeldClaim } | { existing: StoredAnswer }> {
  const inserted = await db
    .insertInto('idempotent_responses')
    .values({ account_id: accountId, idempotency_key: key, route, request_hash: requestHash, status_code: null, body: null, created_at: databaseTime(db) })
    .onConflict((oc) => oc.columns(['account_id', 'idempotency_key']).doNothing())
    .returning(['id', 'created_at'])
    .executeTakeFirst();
  if (inserted) return { claimed: { id: inserted.id, stamp: inserted.created_at } };
  const row = await db
    .selectFrom('idempotent_responses')
    .select(['id', 'created_at', 'route', 'request_hash', 'status_code', 'body'])
    .where('account_id', '=', accountId)
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow();
  return { existing: { id: row.id, createdAt: row.created_at, route: row.route, requestHash: row.request_hash, statusCode: row.status_code, body: row.body } };
}

export async function completeIdempotencyKey(db: Kysely<Database>, claim: HeldClaim, statusCode: number, body: string): Promise<void> {
  await db.updateTable('idempotent_responses').set({ status_code: statusCode, body }).where('id', '=', claim.id).where('created_at', '=', claim.stamp).execute();
}

/**
 * Takes over an unanswered claim stamped `takenAt` if that was at least `leaseMs` ago by the database's
 * clock (compare-and-set on the stamp, so of two retries only one wins); null when its lease still runs,
 * another retry took it first, or it has been answered meanwhile.
 */
export async function takeOverClaim(db: Kysely<Database>, id: number, takenAt: string, leaseMs: number): Promise<HeldClaim | null> {
  const taken = await db
    .updateTable('idempotent_responses')
    .set({ created_at: databaseTime(db) })
    .where('id', '=', id)
    .where('created_at', '=', takenAt)
    .where('created_at', '<=', databaseTime(db, leaseMs))
    .where('status_code', 'is', null)
    .returning('created_at')
    .executeTakeFirst();
  return taken ? { id, stamp: taken.created_at } : null;
}

/** A claim stamp older than any lease. */
const LONG_AGO = new Date(0).toISOString();

/** The valuations already answered (and charged, when successes) under the claim: id, batch index, stored answer. */
export async function findClaimedValuations(db: Kysely<Database>, claimId: number): Promise<Array<{ id: number; item: number; response: string }>> {
  const rows = await db
    .selectFrom('valuations')
    .select(['id', 'idempotency_item', 'response'])
    .where('idempotency_claim_id', '=', claimId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, item: r.idempotency_item ?? 0, response: r.response }));
}

/**
 * A request that failed gives its key back: the claim is deleted when nothing was answered under it, and
 * otherwise left unanswered and stamped long ago, so the next retry takes it over at once and
 * answers what was charged from the stored rows instead of charging it again.
 */
export async function releaseIdempotencyKey(db: Kysely<Database>, claim: HeldClaim): Promise<void> {
  const deleted = await db
    .deleteFrom('idempotent_responses')
    .where('id', '=', claim.id)
    .where('created_at', '=', claim.stamp)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('valuations').select('valuations.id').where('valuations.idempotency_claim_id', '=', claim.id))))
    .executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) {
    await db.updateTable('idempotent_responses').set({ created_at: LONG_AGO }).where('id', '=', claim.id).where('created_at', '=', claim.stamp).where('status_code', 'is', null).execute();
  }
}
