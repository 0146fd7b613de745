import type { Generated } from 'kysely';

// Accounts, their organisations, API keys, the credit ledger and rate-limit counters.
// Conventions as in core.ts: integer identity ids, 0/1 booleans, ISO-8601 UTC text timestamps.

export interface OrganisationsTable {
  id: Generated<number>;
  name: string;
  created_at: string;
}

export interface AccountsTable {
  id: Generated<number>;
  email: string;
  /** Members of an organisation spend from its pooled balance. */
  organisation_id: number | null;
  plan_type: string;
  api_enabled: number;
  /** Requests per minute (sliding window). */
  rate_limit: number;
  created_at: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: Generated<number>;
  account_id: number;
  name: string | null;
  /** SHA-256 of the full key, hex. The key itself is never stored. */
  key_hash: string;
  /** The first characters of the key, shown in listings so a user can tell keys apart. */
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface LedgerEntriesTable {
  id: Generated<number>;
  /** Whose balance this moves: `organisation:<id>` or `account:<id>`. */
  holder: string;
  /** The account that bought or spent. */
  account_id: number;
  /** +N for a purchase, -1 for a charged valuation. */
  amount: number;
  /** Unique: a retried debit or purchase with the same reference is applied once. */
  reference: string;
  valuation_id: number | null;
  note: string | null;
  created_at: string;
}

export interface RateLimitCountersTable {
  account_id: number;
  /** Start of the fixed window, milliseconds since the epoch. */
  window_start: number;
  count: number;
}

/**
 * One row (id 1) whose generation goes up, by trigger, whenever a key or an account changes in a way that
 * matters to authentication (a revocation, api_enabled, the rate limit…): a process that keeps
 * authenticated keys in memory reads it on every request and forgets them all when it moved.
 */
export interface CredentialChangesTable {
  id: number;
  generation: number;
}

export interface AccountTables {
  organisations: OrganisationsTable;
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  ledger_entries: LedgerEntriesTable;
  rate_limit_counters: RateLimitCountersTable;
  credential_changes: CredentialChangesTable;
}
