import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/database.js';
import { findAccountById, lockAccount, lockOrganisation } from '../../store/repositories/accounts.js';
import { findEntryByReference, insertEntry, sumHolderBalance, writeTransaction } from '../../store/repositories/ledger.js';
import { holderOf } from '../accounts/holder.js';
import { AccountInputError, NotFoundError } from '../accounts/errors.js';

export interface AddCreditsInput {
  accountId: number;
  credits: number;
  /** Makes the purchase idempotent (a payment id); a random one when absent. */
  reference?: string;
  note?: string;
}

/** Adds purchased credits to the account's holder (its organisation's pool when it has one); returns the new balance. */
export async function addCredits(store: Store, input: AddCreditsInput): Promise<{ balance: number; applied: boolean }> {
  if (!Number.isInteger(input.credits) || input.credits < 1) throw new AccountInputError('credits', 'credits must be a whole number, 1 or more');
  const reference = input.reference ?? `purchase:${randomUUID()}`;
  return writeTransaction(store, async (trx) => {
    const account = await findAccountById(trx, input.accountId);
    if (!account) throw new NotFoundError(`no account ${input.accountId}`);
    if (account.organisation_id !== null) await lockOrganisation(trx, account.organisation_id);
    else await lockAccount(trx, account.id);
    const holder = holderOf(account);
    const applied = !(await findEntryByReference(trx, reference));
    // Summed before this transaction inserts (see sumHolderBalance).
    const before = await sumHolderBalance(trx, holder);
    if (applied) {
      await insertEntry(trx, { holder, accountId: account.id, amount: input.credits, reference, note: input.note ?? null, createdAt: new Date().toISOString() });
    }
    return { balance: before + (applied ? input.credits : 0), applied };
  });
}
