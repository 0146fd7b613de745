import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findAccountById, lockAccount, lockOrganisation } from '../../store/repositories/accounts.js';
import { findEntryByReference, insertEntryOnce, sumHolderBalance } from '../../store/repositories/ledger.js';
import { holderOf } from '../accounts/holder.js';
import { noteBalance } from './precheck-balance.js';
import { NotFoundError } from '../accounts/errors.js';

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
  const account = await findAccountById(trx, input.accountId);
  if (!account) throw new NotFoundError(`no account ${input.accountId}`);
  if (account.organisation_id !== null) await lockOrganisation(trx, account.organisation_id);
  else await lockAccount(trx, account.id);
  const holder = holderOf(account);
  const balance = await sumHolderBalance(trx, holder);
  // What the balance will be if this commits (if it rolls back the real one is higher: a safe hint).
  noteBalance(trx, holder, balance - 1);
  if (balance < 1) {
    return (await findEntryByReference(trx, input.reference)) ? 'already_charged' : 'insufficient';
  }
  const id = await insertEntryOnce(trx, {
    holder,
    accountId: account.id,
    amount: -1,
    reference: input.reference,
    valuationId: input.valuationId ?? null,
    note: input.note ?? null,
    createdAt: new Date().toISOString(),
  });
  return id === null ? 'already_charged' : 'charged';
}
