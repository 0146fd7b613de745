import type { Store } from '../../store/database.js';
import { insertOrganisation, type OrganisationRow } from '../../store/repositories/accounts.js';
import { AccountInputError } from './errors.js';

export async function createOrganisation(store: Store, name: string): Promise<OrganisationRow> {
  const trimmed = name.trim();
  if (!trimmed) throw new AccountInputError('name', 'organisation name must not be empty');
  if (trimmed.length > 200) throw new AccountInputError('name', 'organisation name must be at most 200 characters');
  return insertOrganisation(store.db, trimmed, new Date().toISOString());
}
