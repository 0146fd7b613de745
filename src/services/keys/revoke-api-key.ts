import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { revokeKey } from '../../store/repositories/keys.js';

/** Revokes one of the account's keys; false when it has no key with that id (another account's id included). */
export async function revokeApiKey(db: Kysely<Database>, accountId: number, keyId: number): Promise<boolean> {
  return revokeKey(db, accountId, keyId, new Date().toISOString());
}
