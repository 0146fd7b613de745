// The credit ledger's SQL. A balance is SUM(amount) over a holder's entries, never stored anywhere else;
// debits are made unique by their reference so a retried charge lands once.
import type { Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import { sqliteHandlesOf, type Store } from '../database.js';
import { isSqliteBusy, retryWhileWriteLockBusy, SQLITE_BUSY_TIMEOUT_MS, WRITE_LOCK_BUSY } from '../write-lock.js';
import type { Database } from '../schema.js';
import { prepared, withBoundSqliteConnection } from './prepared.js';

/**
 * Runs `fn` in a write transaction. SQLite: BEGIN IMMEDIATE takes the database's write lock up front, so
 * a read-check-write sequence (balance then debit) cannot interleave with another process's; inside one
 * process Kysely's single SQLite connection already serialises callers. PostgreSQL: an ordinary
 * transaction; callers lock the rows they check (FOR NO KEY UPDATE, see lockAccount). On SQLite the
 * compiled hot-path queries inside run synchronously on the held connection (see prepared.ts).
 *
 * While another process holds SQLite's write lock, the lock is tried again every WRITE_LOCK_RETRY_MS on
 * the event loop, never waited for in SQLite's busy handler (which sleeps inside the event loop and would
 * stall every request of this process), for up to `limitMs` (SQLite's own busy timeout, by default), then
 * WriteLockTimeoutError.
 */
export function writeTransaction<T>(store: Pick<Store, 'db' | 'dialect'>, fn: (trx: Kysely<Database>) => Promise<T>, limitMs = SQLITE_BUSY_TIMEOUT_MS): Promise<T> {
  return retryWhileWriteLockBusy(() => tryWriteTransaction(store.db, fn), limitMs);
}

/**
 * writeTransaction's single attempt: when another connection (another process) holds SQLite's write lock,
 * nothing is run and the answer is WRITE_LOCK_BUSY at once. PostgreSQL's row locks are waited for
 * asynchronously, so there it is an ordinary transaction.
 */
export async function tryWriteTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T | typeof WRITE_LOCK_BUSY> {
  const handles = sqliteHandlesOf(db);
  if (!handles) return db.transaction().execute(fn);
  const writer = handles.writer;
  return db.connection().execute(async (conn) => {
    if (!beginImmediateUnlessBusy(writer)) return WRITE_LOCK_BUSY;
    try {
      const result = await withBoundSqliteConnection(conn, writer, () => fn(conn));
      writer.prepare('commit').run();
      return result;
    } catch (error) {
      if (writer.inTransaction) writer.prepare('rollback').run();
      throw error;
    }
  });
}

/** BEGIN IMMEDIATE on a connection whose busy handler is off (database.ts); false when the lock is held elsewhere. */
function beginImmediateUnlessBusy(writer: SQLite.Database): boolean {
  try {
    writer.prepare('begin immediate').run();
    return true;
  } catch (error) {
    if (isSqliteBusy(error)) return false;
    throw error;
  }
}

const holderTotal = prepared((db, holder: string) =>
  db
    .selectFrom('ledger_entries')
    .select((eb) => [eb.fn.max('id').as('last_id'), eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total')])
    .where('holder', '=', holder),
);

const holderTotalAfter = prepared((db, holder: string, afterId: number) =>
  db
    .selectFrom('ledger_entries')
    .select((eb) => [eb.fn.max('id').as('last_id'), eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total')])
    .where('holder', '=', holder)
    .where('id', '>', afterId),
);

// Summing a busy holder's whole ledger costs 0.1-0.25 us per entry (13-25 ms at 100,000 entries), on every
// charge. The balance stays SUM(amount) over the ledger, summed in two parts: the entries up to the last id
// this process has already summed (their total kept here, per database and holder) plus the entries after
// it, read through the (holder, id) index. Exact because the ledger is append-only, ids only grow (SQLite
// AUTOINCREMENT, PostgreSQL identity), and every writer holds the holder's lock (PostgreSQL) or the write
// lock (SQLite) while it inserts, so a holder's entries commit in id order: no entry can appear later
// below an id already summed. Rule for callers: inside a transaction, sum before inserting (the group commit,
// addCredits and the job debits do), so every kept prefix is made of committed rows and no rollback can
// make it wrong.
const summedPrefixes = new WeakMap<object, Map<string, { lastId: number; total: number }>>();

export async function sumHolderBalance(db: Kysely<Database>, holder: string): Promise<number> {
  const key = db.getExecutor().adapter;
  let prefixes = summedPrefixes.get(key);
  if (!prefixes) summedPrefixes.set(key, (prefixes = new Map()));
  const prefix = prefixes.get(holder);
  const row = prefix ? (await holderTotalAfter(db, holder, prefix.lastId))[0] : (await holderTotal(db, holder))[0];
  const total = (prefix?.total ?? 0) + Number(row?.total ?? 0);
  if (row?.last_id != null) prefixes.set(holder, { lastId: Number(row.last_id), total });
  return total;
}

const entryByReference = prepared((db, reference: string) => db.selectFrom('ledger_entries').selectAll().where('reference', '=', reference));

export async function findEntryByReference(db: Kysely<Database>, reference: string) {
  return (await entryByReference(db, reference))[0];
}

export interface NewLedgerEntry {
  holder: string;
  accountId: number;
  amount: number;
  reference: string;
  valuationId?: number | null;
  note?: string | null;
  createdAt: string;
}

export async function insertEntry(db: Kysely<Database>, entry: NewLedgerEntry): Promise<number> {
  const row = await db
    .insertInto('ledger_entries')
    .values({
      holder: entry.holder,
      account_id: entry.accountId,
      amount: entry.amount,
      reference: entry.reference,
      valuation_id: entry.valuationId ?? null,
      note: entry.note ?? null,
      created_at: entry.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Inserts the entry unless its reference is already in the ledger; returns its id, or null when it was. */
const insertOnce = prepared(
  (db, holder: string, accountId: number, amount: number, reference: string, valuationId: number | null, note: string | null, createdAt: string) =>
    db
      .insertInto('ledger_entries')
      .values({ holder, account_id: accountId, amount, reference, valuation_id: valuationId, note, created_at: createdAt })
      .onConflict((oc) => oc.column('reference').doNothing())
      .returning('id'),
);

export async function insertEntryOnce(db: Kysely<Database>, entry: NewLedgerEntry): Promise<number | null> {
  const row = (await insertOnce(db, entry.holder, entry.accountId, entry.amount, entry.reference, entry.valuationId ?? null, entry.note ?? null, entry.createdAt))[0];
  return row ? row.id : null;
}

/**
 * Several entries in one statement (PostgreSQL's group commit: one round trip instead of one each); an
 * entry whose reference the ledger already holds is skipped. Answers how many were written.
 */
export async function insertEntriesOnce(db: Kysely<Database>, entries: readonly NewLedgerEntry[]): Promise<number> {
  if (entries.length === 0) return 0;
  const rows = await db
    .insertInto('ledger_entries')
    .values(entries.map((e) => ({ holder: e.holder, account_id: e.accountId, amount: e.amount, reference: e.reference, valuation_id: e.valuationId ?? null, note: e.note ?? null, created_at: e.createdAt })))
    .onConflict((oc) => oc.column('reference').doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/** A holder's entries, newest first, from below `beforeId` when given (the (holder, id) index serves it). */
export async function listEntries(db: Kysely<Database>, holder: string, limit: number, beforeId?: number) {
  let query = db
    .selectFrom('ledger_entries')
    .select(['id', 'account_id', 'amount', 'reference', 'valuation_id', 'note', 'created_at'])
    .where('holder', '=', holder);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  return query.orderBy('id', 'desc').limit(limit).execute();
}
