// The one way a charge reaches a balance: find whose balance the account spends (its own or its
// organisation's), lock that holder's row until the transaction ends (PostgreSQL; on SQLite BEGIN IMMEDIATE
// has already serialised writers), then sum its balance. Summing after the lock is what lets concurrent
// charges see each other's entries, so a balance never goes below zero.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findAccountById, lockAccount, lockOrganisation } from '../../store/repositories/accounts.js';
import { sumHolderBalance } from '../../store/repositories/ledger.js';
import { NotFoundError } from '../accounts/errors.js';
import { holderOf } from '../accounts/holder.js';

export interface Holder {
  accountId: number;
  organisationId: number | null;
  /** `account:<id>` or `organisation:<id>`: the ledger's holder column. */
  holder: string;
}

export async function findHolder(trx: Kysely<Database>, accountId: number): Promise<Holder> {
  const account = await findAccountById(trx, accountId);
  if (!account) throw new NotFoundError(`no account ${accountId}`);
  return { accountId: account.id, organisationId: account.organisation_id, holder: holderOf(account) };
}

/** Locks the holder's row for the rest of the transaction and returns its balance as of the lock. */
export async function lockHolderBalance(trx: Kysely<Database>, holder: Holder): Promise<number> {
  if (holder.organisationId !== null) await lockOrganisation(trx, holder.organisationId);
  else await lockAccount(trx, holder.accountId);
  return sumHolderBalance(trx, holder.holder);
}
