// Rate-limit counters: one row per account and fixed window, bumped with a single conditional upsert.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { isPostgresDb } from './ledger.js';
import { prepared } from './prepared.js';

const windowCount = prepared((db, accountId: number, windowStart: number) =>
  db.selectFrom('rate_limit_counters').select('count').where('account_id', '=', accountId).where('window_start', '=', windowStart),
);

export async function readWindowCount(db: Kysely<Database>, accountId: number, windowStart: number): Promise<number> {
  const row = (await windowCount(db, accountId, windowStart))[0];
  return row ? Number(row.count) : 0;
}

const increment = prepared((db, accountId: number, windowStart: number, maxCount: number) =>
  db
    .insertInto('rate_limit_counters')
    .values({ account_id: accountId, window_start: windowStart, count: 1 })
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'window_start'])
        .doUpdateSet((eb) => ({ count: eb('rate_limit_counters.count', '+', 1) }))
        .where('rate_limit_counters.count', '<', maxCount),
    )
    .returning('count'),
);

/**
 * Adds one to the window's counter unless it already holds `maxCount`; returns the new count, or null when
 * the counter was full. Atomic on both databases (INSERT … ON CONFLICT DO UPDATE … WHERE), so concurrent
 * processes never push a window past its maximum.
 */
export async function incrementWindowBelow(db: Kysely<Database>, accountId: number, windowStart: number, maxCount: number): Promise<number | null> {
  if (maxCount < 1) return null;
  const row = (await increment(db, accountId, windowStart, maxCount))[0];
  return row ? Number(row.count) : null;
}

/** Drops an account's windows that no longer count (older than the previous window). */
export async function deleteWindowsBefore(db: Kysely<Database>, accountId: number, windowStart: number): Promise<void> {
  await db.deleteFrom('rate_limit_counters').where('account_id', '=', accountId).where('window_start', '<', windowStart).execute();
}

const raiseCount = prepared((db, accountId: number, windowStart: number, count: number) =>
  db
    .insertInto('rate_limit_counters')
    .values({ account_id: accountId, window_start: windowStart, count })
    .onConflict((oc) =>
      oc.columns(['account_id', 'window_start']).doUpdateSet((eb) => ({
        // Never lowers a count (SQLite's two-argument max is PostgreSQL's greatest).
        count: eb.fn<number>(isPostgresDb(db) ? 'greatest' : 'max', ['rate_limit_counters.count', 'excluded.count']),
      })),
    ),
);

/** Raises the window's stored count to at least `count` (a process that counts in memory writes its counts through). */
export async function raiseWindowCount(db: Kysely<Database>, accountId: number, windowStart: number, count: number): Promise<void> {
  await raiseCount(db, accountId, windowStart, count);
}
