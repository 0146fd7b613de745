import type { Store } from '../../store/database.js';
import { findOrganisationById, updateAccount, type AccountChanges, type AccountRow } from '../../store/repositories/accounts.js';
import { AccountInputError, NotFoundError } from './errors.js';

export async function changeAccount(store: Store, accountId: number, changes: AccountChanges): Promise<AccountRow> {
  if (changes.rateLimit !== undefined && (!Number.isInteger(changes.rateLimit) || changes.rateLimit < 1)) {
    throw new AccountInputError('rate_limit', 'rate limit must be a positive whole number of requests per minute');
  }
  if (changes.organisationId != null && !(await findOrganisationById(store.db, changes.organisationId))) {
    throw new AccountInputError('org', `no organisation with id ${changes.organisationId}`);
  }
  const row = await updateAccount(store.db, accountId, changes, new Date().toISOString());
  if (!row) throw new NotFoundError(`no account ${accountId}`);
  return row;
}
