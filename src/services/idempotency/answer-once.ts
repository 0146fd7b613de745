// Synchronous requests that charge (a valuation, a batch of valuations) sent with an Idempotency-Key are
// answered once: a retry with the same key and body gets the first answer and is not charged again; the
// same key with another body, or while the first is still being answered, is refused. Every valuation
// answered under a key names its claim in the same transaction that charges it, so a retry after a crash
// that lost the answer finds the charged valuations and answers them again, never charging them twice.
import { createHash } from 'node:crypto';
import type { Store } from '../../store/database.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  findClaimedValuations,
  releaseIdempotencyKey,
  takeOverClaim,
  type HeldClaim,
} from '../../store/repositories/idempotent-responses.js';

export class IdempotencyConflictError extends Error {
  constructor(
    readonly statusCode: 409 | 422,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer<T> {
  statusCode: number;
  /** The answer; a replay returns the stored JSON of the first one. */
  body: T;
  /** True when this is (or, after an interrupted attempt, includes) the answer of an earlier request. */
  replayed: boolean;
}

/**
 * What the work learns of its key's claim: what it charges must name the claim (`id`, with the item's
 * index in a batch), and `answered` holds, by index, what an interrupted earlier attempt with this key
 * already answered and charged (`{valuation_id, ...answer}`), to be answered again rather than redone.
 */
export interface IdempotencyClaim {
  id: number;
  answered: Map<number, Record<string, unknown>>;
  /** performance.now() after which nothing may be charged under the claim: a retry may take it over. */
  chargeBy: number;
}

/** The request ran so long that its claim could be taken over by a retry: it charges nothing more. */
export class IdempotencyLeaseExpiredError extends Error {
  constructor() {
    super('This request took too long to answer; retry it with the same Idempotency-Key.');
  }
}

/**
 * How long an unanswered claim is taken to belong to a request still running. A retry after it takes the
 * claim over: the request that held it died (a crash, a kill) before storing its answer. A request still
 * running stops charging before then (chargeBy), so the two never both charge.
 */
export const CLAIM_LEASE_MS = 2 * 60_000;

/**
 * A request stops charging this long before its lease ends: a valuation handed to the group commit by
 * then has committed (or failed) before a retry may take the claim over (the commit waits at most 10 s
 * for SQLite's write lock).
 */
const CHARGE_MARGIN_MS = 30_000;

export async function answerOnce<T>(
  store: Store,
  accountId: number,
  key: string | null,
  route: string,
  requestBody: unknown,
  work: (claim: IdempotencyClaim | null) => Promise<T>,
): Promise<Answer<T>> {
  if (key === null) return { statusCode: 200, body: await work(null), replayed: false };
  const hash = createHash('sha256').update(JSON.stringify(requestBody ?? null)).digest('hex');
  // Every write to the claim waits for SQLite's write lock on the event loop (the store's driver), and a lock
  // held too long answers 503, as a charge's does. Only the claim itself (an insert, then a read of the row
  // it met) needs a transaction; the others are one statement each, guarded by the claim's stamp.
  const chargeBy = performance.now() + CLAIM_LEASE_MS - CHARGE_MARGIN_MS;
  const found = await writeTransaction(store, (db) => claimIdempotencyKey(db, accountId, key, route, hash));
  let held: HeldClaim;
  const answered = new Map<number, Record<string, unknown>>();
  if ('claimed' in found) held = found.claimed;
  else {
    const { existing } = found;
    if (existing.route !== route || existing.requestHash !== hash) throw new IdempotencyConflictError(422, 'This Idempotency-Key was used with a different request; use a new key for a new request.');
    if (existing.statusCode !== null && existing.body !== null) return { statusCode: existing.statusCode, body: JSON.parse(existing.body) as T, replayed: true };
    const taken = await takeOverClaim(store.db, existing.id, existing.createdAt, CLAIM_LEASE_MS);
    if (!taken) throw new IdempotencyConflictError(409, 'A request with this Idempotency-Key is still being answered; retry shortly.');
    held = taken;
    for (const v of await findClaimedValuations(store.db, held.id)) answered.set(v.item, { valuation_id: v.id, ...(JSON.parse(v.response) as Record<string, unknown>) });
  }
  try {
    const body = await work({ id: held.id, answered, chargeBy });
    await completeIdempotencyKey(store.db, held, 200, JSON.stringify(body));
    return { statusCode: 200, body, replayed: answered.size > 0 };
  } catch (error) {
    // Nothing answered: the key is free for a retry (errors such as 402 charge nothing). Part of a batch
    // answered: the claim stays, open to the next retry at once, which answers that part again.
    await releaseIdempotencyKey(store.db, held);
    throw error;
  }
}
