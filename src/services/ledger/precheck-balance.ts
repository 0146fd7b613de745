// The 402 pre-check before valuing: has the holder any credit at all? The debit transaction re-checks the
// balance under lock and is the only authority (a valuation it cannot charge is rolled back and answered
// 402), so the pre-check only has to keep broke accounts from spending the engine's time. Summing a busy
// ledger on every request costs more than valuing; the last balance this process saw for a holder stands
// in while it is comfortably above zero.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { sumHolderBalance } from '../../store/repositories/ledger.js';

/** Balances at or above this are trusted without a fresh sum (spending them takes that many debits). */
const PLENTY = 100;
/** And for at most this long. */
const MAX_AGE_MS = 1_000;

const seen = new WeakMap<object, Map<string, { balance: number; at: number }>>();

function memo(db: Kysely<Database>): Map<string, { balance: number; at: number }> {
  const key = db.getExecutor().adapter;
  let map = seen.get(key);
  if (!map) seen.set(key, (map = new Map()));
  return map;
}

/** Records a balance just computed (a debit's, a sum's) for the pre-check to reuse. */
export function noteBalance(db: Kysely<Database>, holder: string, balance: number, now = Date.now()): void {
  memo(db).set(holder, { balance, at: now });
}

/** True when the holder may have credit to spend; false only on a fresh sum below 1. */
export async function mayHaveCredit(db: Kysely<Database>, holder: string, now = Date.now()): Promise<boolean> {
  const known = memo(db).get(holder);
  if (known && known.balance >= PLENTY && now - known.at < MAX_AGE_MS) return true;
  const balance = await sumHolderBalance(db, holder);
  noteBalance(db, holder, balance, now);
  return balance >= 1;
}
