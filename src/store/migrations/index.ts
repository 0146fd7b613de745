import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_accounts.js';
import * as m0003 from './0003_jobs.js';
import * as m0004 from './0004_uk.js';
import * as m0006 from './0006_ledger_holder_id.js';
import * as m0007 from './0007_idempotent_responses.js';
import * as m0008 from './0008_credential_changes.js';
import * as m0010 from './0010_valuation_idempotency_claim.js';
import * as m0011 from './0011_sales_key_index.js';

/**
 * Every migration, in order. Names sort in the order they apply; add new ones at the end with the next
 * number. Kept as a static list (not a folder scan) so the compiled build needs no file-system lookups.
 */
export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_accounts': m0002,
  '0003_jobs': m0003,
  '0004_uk': m0004,
  '0006_ledger_holder_id': m0006,
  '0007_idempotent_responses': m0007,
  '0008_credential_changes': m0008,
  '0010_valuation_idempotency_claim': m0010,
  '0011_sales_key_index': m0011,
};
