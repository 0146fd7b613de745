import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findAccountById } from '../../store/repositories/accounts.js';
import { sumHolderBalance } from '../../store/repositories/ledger.js';
import { holderOf } from '../accounts/holder.js';
import { NotFoundError } from '../accounts/errors.js';

/** The credits the account can spend (its organisation's pool when it has one). */
export async function getBalance(db: Kysely<Database>, accountId: number): Promise<number> {
  const account = await findAccountById(db, accountId);
  if (!account) throw new NotFoundError(`no account ${accountId}`);
  return sumHolderBalance(db, holderOf(account));
}
