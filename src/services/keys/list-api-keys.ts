import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { listKeys } from '../../store/repositories/keys.js';

export interface ApiKeySummary {
  id: number;
  key_prefix: string;
  name: string | null;
  last_used_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** Every key of the account, revoked ones included, oldest first. Timestamps as stored (ISO-8601). */
export async function listApiKeys(db: Kysely<Database>, accountId: number): Promise<ApiKeySummary[]> {
  const rows = await listKeys(db, accountId);
  return rows.map((r) => ({ id: r.id, key_prefix: r.key_prefix, name: r.name, last_used_at: r.last_used_at, created_at: r.created_at, revoked_at: r.revoked_at }));
}
