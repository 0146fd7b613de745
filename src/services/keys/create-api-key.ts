import type { Store } from '../../store/database.js';
import { findAccountById, lockAccount } from '../../store/repositories/accounts.js';
import { countActiveKeys, insertKey, type ApiKeyRow } from '../../store/repositories/keys.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import { AccountInputError, NotFoundError } from '../accounts/errors.js';
import { generateApiKey } from './generate-api-key.js';

export const MAX_ACTIVE_KEYS = 5;
export const MAX_KEY_NAME_LENGTH = 100;

export class KeyLimitError extends Error {
  constructor() {
    super(`Maximum of ${MAX_ACTIVE_KEYS} active API keys reached; revoke one before creating another`);
  }
}

/** Creates a key for the account; the full key is in the result and nowhere else, ever. */
export async function createApiKey(store: Store, accountId: number, name: string | null): Promise<{ row: ApiKeyRow; key: string }> {
  if (name !== null && name.length > MAX_KEY_NAME_LENGTH) {
    throw new AccountInputError('name', `The name may not be greater than ${MAX_KEY_NAME_LENGTH} characters.`);
  }
  const generated = generateApiKey();
  const row = await writeTransaction(store, async (trx) => {
    if (!(await findAccountById(trx, accountId))) throw new NotFoundError(`no account ${accountId}`);
    await lockAccount(trx, accountId);
    if ((await countActiveKeys(trx, accountId)) >= MAX_ACTIVE_KEYS) throw new KeyLimitError();
    return insertKey(trx, { accountId, name, keyHash: generated.hash, keyPrefix: generated.displayPrefix, now: new Date().toISOString() });
  });
  return { row, key: generated.key };
}
