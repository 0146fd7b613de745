import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findActiveKeyByHash, touchKey } from '../../store/repositories/keys.js';
import { hashApiKey, KEY_PREFIX } from './generate-api-key.js';

export interface AuthenticatedAccount {
  accountId: number;
  keyId: number;
  email: string;
  organisationId: number | null;
  planType: string;
  apiEnabled: boolean;
  rateLimit: number;
}

/** last_used_at is written at most this often per key, so a busy key does not turn every read into a write. */
const TOUCH_INTERVAL_MS = 60_000;
const MAX_KEY_LENGTH = 200;

/**
 * The account a presented key belongs to, or null for any key that is unknown, revoked or malformed (the
 * caller answers all of these alike). Looked up on every request: a revocation applies to the next one.
 */
export async function authenticateApiKey(db: Kysely<Database>, presented: string, now = new Date()): Promise<AuthenticatedAccount | null> {
  if (!presented.startsWith(KEY_PREFIX) || presented.length > MAX_KEY_LENGTH) return null;
  const hash = hashApiKey(presented);
  const row = await findActiveKeyByHash(db, hash);
  if (!row) return null;
  // The index lookup already matched; comparing again in constant time keeps the decision itself free of
  // a data-dependent early exit.
  const stored = Buffer.from(row.key_hash, 'hex');
  const given = Buffer.from(hash, 'hex');
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
  if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) >= TOUCH_INTERVAL_MS) {
    await touchKey(db, row.key_id, now.toISOString());
  }
  return {
    accountId: row.account_id,
    keyId: row.key_id,
    email: row.email,
    organisationId: row.organisation_id,
    planType: row.plan_type,
    apiEnabled: row.api_enabled === 1,
    rateLimit: row.rate_limit,
  };
}
