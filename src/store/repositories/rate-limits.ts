// Rate-limit counters: one row per account and fixed window, bumped with a single conditional upsert.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { isPostgresDb } from '../database.js';
import { prepared } from './prepared.js';

const windowCount = prepared((db, accountId: number, windowStart: number) =>
  db.selectFrom('rate_limit_counters').select('count').where('account_id', '=', accountId).where('window_start', '=', windowStart),
);

export async function readWindowCount(db: Kysely<Database>, accountId: number, windowStart: number): Promise<number> {
  const row = (await windowCount(db, accountId, windowStart))[0];
  return row ? Number(row.count) : 0;
}

const claim = prepared((db, accountId: number, windowStart: number, amount: number, maxCount: number) =>
  db
    .insertInto('rate_limit_counters')
    .values({ account_id: accountId, window_start: windowStart, count: amount })
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'window_start'])
        .doUpdateSet((eb) => ({ count: eb('rate_limit_counters.count', '+', amount) }))
        .where((eb) => eb(eb('rate_limit_counters.count', '+', amount), '<=', maxCount)),
    )
    .returning('count'),
);

/**
 * Adds `amount` to the window's counter unless that would take it past `maxCount`; returns the new count,
 * or null when it would (nothing is added). Atomic on both databases (INSERT … ON CONFLICT DO UPDATE …
 * WHERE), so concurrent processes never push a window past its maximum.
 */
export async function claimWindowCounts(db: Kysely<Database>, accountId: number, windowStart: number, amount: number, maxCount: number): Promise<number | null> {
  if (amount < 1 || amount > maxCount) return null;
  const row = (await claim(db, accountId, windowStart, amount, maxCount))[0];
  return row ? Number(row.count) : null;
}

const release = prepared((db, accountId: number, windowStart: number, amount: number) =>
  db
    .updateTable('rate_limit_counters')
    .set((eb) => ({ count: eb('rate_limit_counters.count', '-', amount) }))
    .where('account_id', '=', accountId)
    .where('window_start', '=', windowStart)
    .where('rate_limit_counters.count', '>=', amount),
);

/** Takes back `amount` counts a process claimed in the window and did not use. */
export async function releaseWindowCounts(db: Kysely<Database>, accountId: number, windowStart: number, amount: number): Promise<void> {
  if (amount > 0) await release(db, accountId, windowStart, amount);
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
