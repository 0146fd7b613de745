import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findEntryByReference, insertEntryOnce } from '../../store/repositories/ledger.js';
import { findHolder, lockHolderBalance } from './lock-holder.js';
import { noteBalance } from './precheck-balance.js';

export type DebitResult = 'charged' | 'already_charged' | 'insufficient';

export interface DebitInput {
  accountId: number;
  /** Unique per charged thing: `valuation:<id>`, `job:<id>:item:<i>`. A second debit with it changes nothing. */
  reference: string;
  valuationId?: number | null;
  note?: string;
}

/**
 * Takes one credit from the account's holder, exactly once per reference. Must run inside a transaction
 * opened with writeTransaction (store/repositories/ledger.ts): on PostgreSQL the holder's row is locked
 * here until the caller commits, so concurrent debits see each other's entries and the balance never goes
 * below zero; on SQLite BEGIN IMMEDIATE has already serialised writers. When it answers 'insufficient' the
 * caller should roll back whatever it wrote for the charged item.
 */
export async function debitOnce(trx: Kysely<Database>, input: DebitInput): Promise<DebitResult> {
  const found = await findHolder(trx, input.accountId);
  const balance = await lockHolderBalance(trx, found);
  const { holder, accountId } = found;
  // What the balance will be if this commits (if it rolls back the real one is higher: a safe hint).
  noteBalance(trx, holder, balance - 1);
  if (balance < 1) {
    return (await findEntryByReference(trx, input.reference)) ? 'already_charged' : 'insufficient';
  }
  const id = await insertEntryOnce(trx, {
    holder,
    accountId,
    amount: -1,
    reference: input.reference,
    valuationId: input.valuationId ?? null,
    note: input.note ?? null,
    createdAt: new Date().toISOString(),
  });
  return id === null ? 'already_charged' : 'charged';
}
