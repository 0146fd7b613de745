// The credit ledger's SQL. A balance is SUM(amount) over a holder's entries, never stored anywhere else;
// debits are made unique by their reference so a retried charge lands once.
import { sql, type Kysely } from 'kysely';
import type { Store } from '../database.js';
import type { Database } from '../schema.js';
import { prepared } from './prepared.js';

/** True when this Kysely instance (or transaction) talks to PostgreSQL. */
export function isPostgresDb(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter.constructor.name.startsWith('Postgres');
}

/**
 * Runs `fn` in a write transaction. SQLite: BEGIN IMMEDIATE takes the database's write lock up front, so
 * a read-check-write sequence (balance then debit) cannot interleave with another process's; inside one
 * process Kysely's single SQLite connection already serialises callers. PostgreSQL: an ordinary
 * transaction; callers lock the rows they check (FOR NO KEY UPDATE, see lockAccount).
 */
export async function writeTransaction<T>(store: Pick<Store, 'db' | 'dialect'>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (store.dialect === 'postgres') return store.db.transaction().execute(fn);
  return store.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}

const holderBalance = prepared((db, holder: string) =>
  db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('balance'))
    .where('holder', '=', holder),
);

export async function sumHolderBalance(db: Kysely<Database>, holder: string): Promise<number> {
  return Number((await holderBalance(db, holder))[0]?.balance ?? 0);
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

export async function listEntries(db: Kysely<Database>, holder: string, limit = 100) {
  return db.selectFrom('ledger_entries').selectAll().where('holder', '=', holder).orderBy('id', 'desc').limit(limit).execute();
}
