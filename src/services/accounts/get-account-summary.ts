import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findAccountById } from '../../store/repositories/accounts.js';
import { sumHolderBalance } from '../../store/repositories/ledger.js';
import { holderOf } from './holder.js';
import { NotFoundError } from './errors.js';

/** The Gadsden GET /v1/account body. */
export interface AccountSummary {
  user_id: number;
  email: string;
  plan_type: string;
  valuation_balance: number;
  api_enabled: boolean;
  api_rate_limit: number;
  organisation_id: number | null;
}

export async function getAccountSummary(db: Kysely<Database>, accountId: number): Promise<AccountSummary> {
  const account = await findAccountById(db, accountId);
  if (!account) throw new NotFoundError(`no account ${accountId}`);
  return {
    user_id: account.id,
    email: account.email,
    plan_type: account.plan_type,
    valuation_balance: await sumHolderBalance(db, holderOf(account)),
    api_enabled: account.api_enabled === 1,
    api_rate_limit: account.rate_limit,
    organisation_id: account.organisation_id,
  };
}
