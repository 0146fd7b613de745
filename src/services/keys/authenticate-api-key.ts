import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { readCredentialGeneration } from '../../store/repositories/credential-changes.js';
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

/** Most keys kept per process; past it the memory starts again (every key is looked up once more). */
const MAX_KEPT = 10_000;

interface KeptKey {
  account: AuthenticatedAccount;
  keyHash: string;
  lastUsedAt: string | null;
}

/**
 * Keys that authenticated, by hash, valid while the credential generation (moved by trigger in the same
 * transaction as any revocation or change to an account, migration 0008) is the one they were read at.
 * Per database (tests open several in one process).
 */
const kept = new WeakMap<object, { generation: number; keys: Map<string, KeptKey> }>();

/**
 * The account a presented key belongs to, or null for any key that is unknown, revoked or malformed (the
 * caller answers all of these alike). A revocation, from any process, applies to the next request: every
 * request reads the committed credential generation first (one small read), and the key and its account
 * are looked up again whenever it has moved since they were.
 */
export async function authenticateApiKey(db: Kysely<Database>, presented: string, now = new Date()): Promise<AuthenticatedAccount | null> {
  if (!presented.startsWith(KEY_PREFIX) || presented.length > MAX_KEY_LENGTH) return null;
  const hash = hashApiKey(presented);
  // Read before the lookup: a change committed after this read moves the generation past it again.
  const generation = await readCredentialGeneration(db);
  const memory = keptKeys(db, generation);
  let key = memory?.get(hash);
  if (!key) {
    const row = await findActiveKeyByHash(db, hash);
    if (!row) return null;
    key = {
      account: {
        accountId: row.account_id,
        keyId: row.key_id,
        email: row.email,
        organisationId: row.organisation_id,
        planType: row.plan_type,
        apiEnabled: row.api_enabled === 1,
        rateLimit: row.rate_limit,
      },
      keyHash: row.key_hash,
      lastUsedAt: row.last_used_at,
    };
    if (memory) {
      if (memory.size >= MAX_KEPT) memory.clear();
      memory.set(hash, key);
    }
  }
  // The lookup already matched; comparing again in constant time keeps the decision itself free of a
  // data-dependent early exit.
  const stored = Buffer.from(key.keyHash, 'hex');
  const given = Buffer.from(hash, 'hex');
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
  if (key.lastUsedAt === null || now.getTime() - Date.parse(key.lastUsedAt) >= TOUCH_INTERVAL_MS) {
    const previous = key.lastUsedAt;
    key.lastUsedAt = now.toISOString();
    // Not recorded (another process holds SQLite's write lock): the next request tries again.
    if (!(await touchKey(db, key.account.keyId, key.lastUsedAt))) key.lastUsedAt = previous;
  }
  return key.account;
}

/** The keys kept at this generation; null when a newer one has been seen (a slower request's stale read). */
function keptKeys(db: Kysely<Database>, generation: number): Map<string, KeptKey> | null {
  const owner = db.getExecutor().adapter;
  let entry = kept.get(owner);
  if (!entry || generation > entry.generation) kept.set(owner, (entry = { generation, keys: new Map() }));
  return entry.generation === generation ? entry.keys : null;
}
