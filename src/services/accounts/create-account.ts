import type { Store } from '../../store/database.js';
import { findAccountByEmail, findOrganisationById, insertAccount, type AccountRow } from '../../store/repositories/accounts.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import { addCredits } from '../ledger/add-credits.js';
import { createApiKey } from '../keys/create-api-key.js';
import { AccountInputError } from './errors.js';

export const DEFAULT_RATE_LIMIT = 60;

export interface CreateAccountInput {
  email: string;
  credits?: number;
  rateLimit?: number;
  organisationId?: number | null;
  planType?: string;
  apiEnabled?: boolean;
  /** Also create a first API key (the CLI does; the key is returned once). */
  withKey?: boolean;
  keyName?: string;
}

export interface CreatedAccount {
  account: AccountRow;
  /** The full key, present only when one was asked for. */
  apiKey: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export async function createAccount(store: Store, input: CreateAccountInput): Promise<CreatedAccount> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 254) throw new AccountInputError('email', `not a valid email address: '${input.email}'`);
  const rateLimit = input.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (!Number.isInteger(rateLimit) || rateLimit < 1) throw new AccountInputError('rate_limit', 'rate limit must be a positive whole number of requests per minute');
  const credits = input.credits ?? 0;
  if (!Number.isInteger(credits) || credits < 0) throw new AccountInputError('credits', 'credits must be a whole number, 0 or more');
  const organisationId = input.organisationId ?? null;

  const account = await writeTransaction(store, async (trx) => {
    if (await findAccountByEmail(trx, email)) throw new AccountInputError('email', `an account with email ${email} already exists`);
    if (organisationId !== null && !(await findOrganisationById(trx, organisationId))) {
      throw new AccountInputError('org', `no organisation with id ${organisationId}`);
    }
    return insertAccount(trx, {
      email,
      organisationId,
      planType: input.planType ?? 'standard',
      apiEnabled: input.apiEnabled ?? true,
      rateLimit,
      now: new Date().toISOString(),
    });
  });
  if (credits > 0) await addCredits(store, { accountId: account.id, credits, note: 'initial credits' });
  const apiKey = input.withKey ? (await createApiKey(store, account.id, input.keyName ?? 'default')).key : null;
  return { account, apiKey };
}
