// API keys: the SQL. Only the SHA-256 of a key is ever written.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { ApiKeysTable } from '../tables/accounts.js';
import { tryWriteTransaction } from './ledger.js';
import { WRITE_LOCK_BUSY } from '../write-lock.js';
import { prepared } from './prepared.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

export async function insertKey(
  db: Kysely<Database>,
  key: { accountId: number; name: string | null; keyHash: string; keyPrefix: string; now: string },
): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({ account_id: key.accountId, name: key.name, key_hash: key.keyHash, key_prefix: key.keyPrefix, created_at: key.now, last_used_at: null, revoked_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const activeKeyByHash = prepared((db, keyHash: string) =>
  db
    .selectFrom('api_keys')
    .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
    .select([
      'api_keys.id as key_id',
      'api_keys.key_hash',
      'api_keys.last_used_at',
      'accounts.id as account_id',
      'accounts.email',
      'accounts.organisation_id',
      'accounts.plan_type',
      'accounts.api_enabled',
      'accounts.rate_limit',
    ])
    .where('api_keys.key_hash', '=', keyHash)
    .where('api_keys.revoked_at', 'is', null),
);

/** The active key with this hash and its account, in one query (the per-request authentication). */
export async function findActiveKeyByHash(db: Kysely<Database>, keyHash: string) {
  return (await activeKeyByHash(db, keyHash))[0];
}

export async function listKeys(db: Kysely<Database>, accountId: number): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
}

export async function countActiveKeys(db: Kysely<Database>, accountId: number): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Revokes the account's key; returns false when the account has no such key. Revoking twice keeps the first time. */
export async function revokeKey(db: Kysely<Database>, accountId: number, keyId: number, now: string): Promise<boolean> {
  const key = await db.selectFrom('api_keys').select(['id', 'revoked_at']).where('id', '=', keyId).where('account_id', '=', accountId).executeTakeFirst();
  if (!key) return false;
  if (key.revoked_at === null) {
    await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).where('revoked_at', 'is', null).execute();
  }
  return true;
}

const touch = prepared((db, keyId: number, now: string) => db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', keyId));

/**
 * Records a key's use. On SQLite it never waits for the write lock (a request must not stall, nor fail,
 * for a timestamp): false when another process holds it, and the caller tries again on a later request.
 */
export async function touchKey(db: Kysely<Database>, keyId: number, now: string): Promise<boolean> {
  return (await tryWriteTransaction(db, (trx) => touch(trx, keyId, now))) !== WRITE_LOCK_BUSY;
}
