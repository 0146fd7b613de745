// Synchronous requests that charge (a valuation, a batch of valuations) sent with an Idempotency-Key are
// answered once: a retry with the same key and body gets the first answer and is not charged again; the
// same key with another body, or while the first is still being answered, is refused.
import { createHash } from 'node:crypto';
import type { Store } from '../../store/database.js';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../../store/repositories/idempotent-responses.js';

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
  /** True when this is the stored answer of an earlier request. */
  replayed: boolean;
}

export async function answerOnce<T>(store: Store, accountId: number, key: string | null, route: string, requestBody: unknown, work: () => Promise<T>): Promise<Answer<T>> {
  if (key === null) return { statusCode: 200, body: await work(), replayed: false };
  const hash = createHash('sha256').update(JSON.stringify(requestBody ?? null)).digest('hex');
  const claim = await claimIdempotencyKey(store.db, accountId, key, route, hash);
  if (!claim.claimed) {
    const { existing } = claim;
    if (existing.route !== route || existing.requestHash !== hash) throw new IdempotencyConflictError(422, 'This Idempotency-Key was used with a different request; use a new key for a new request.');
    if (existing.statusCode === null || existing.body === null) throw new IdempotencyConflictError(409, 'A request with this Idempotency-Key is still being answered; retry shortly.');
    return { statusCode: existing.statusCode, body: JSON.parse(existing.body) as T, replayed: true };
  }
  try {
    const body = await work();
    await completeIdempotencyKey(store.db, claim.id, 200, JSON.stringify(body));
    return { statusCode: 200, body, replayed: false };
  } catch (error) {
    // Nothing was answered: the key is free for a retry (errors such as 402 charge nothing).
    await releaseIdempotencyKey(store.db, claim.id);
    throw error;
  }
}
