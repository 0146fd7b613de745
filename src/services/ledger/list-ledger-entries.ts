// The entries behind an account's balance, for reconciling what was bought and what was charged: its own
// ledger, or its organisation's pool (every member's entries, each naming the member) when it has one.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { listEntries, sumHolderBalance } from '../../store/repositories/ledger.js';
import { holderOfRequester } from '../accounts/holder.js';
import { pageOf } from '../paging/page-of.js';

export interface LedgerPage {
  /** The balance now: the sum of every entry, not only this page's. */
  balance: number;
  entries: Array<{ id: number; account_id: number; amount: number; reference: string; valuation_id: number | null; note: string | null; created_at: string }>;
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_before: number | null;
}

/** Entries on a page unless asked otherwise. */
export const LEDGER_PAGE = 100;

/** `account`: the authenticated account, whose organisation says whose ledger it spends (as a charge does). */
export async function listLedgerEntries(db: Kysely<Database>, account: { accountId: number; organisationId: number | null }, options: { limit?: number; before?: number } = {}): Promise<LedgerPage> {
  const holder = holderOfRequester(account);
  const limit = options.limit ?? LEDGER_PAGE;
  const { items, next } = pageOf(await listEntries(db, holder, limit + 1, options.before), limit, (last) => last.id);
  return { balance: await sumHolderBalance(db, holder), entries: items, next_before: next };
}
