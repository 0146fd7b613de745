// POST /v1/valuations/batch (Gadsden, synchronous, 1–100): each item valued exactly as POST /v1/valuations
// values it, in input order. Failures (not found, no value, bad input) do not halt the batch; running out of
// credits does: every later item is answered as not processed, so the caller knows what to resubmit.
import { ValuationRequestError } from '../valuations/errors.js';
import { requestValuation, type Requester, type ValuationRequest } from '../valuations/request-valuation.js';
import type { ValuationContext } from '../valuations/valuation-context.js';
import type { IdempotencyClaim } from '../idempotency/answer-once.js';

export const MAX_VALUATION_BATCH = 100;
export const NOT_PROCESSED_ERROR = 'Not processed: insufficient valuations';

export interface ValuationBatchResult {
  results: Array<Record<string, unknown>>;
  total: number;
  /** Valora: how many items were attempted, and the indices of those skipped when the balance ran out. */
  processed: number;
  not_processed: number[];
}

/** `claim`: the Idempotency-Key's claim, when the batch was sent with one (see requestValuation). */
export async function runValuationBatch(context: ValuationContext, requester: Requester, items: ValuationRequest[], claim: IdempotencyClaim | null = null): Promise<ValuationBatchResult> {
  const results: Array<Record<string, unknown>> = [];
  const notProcessed: number[] = [];
  let exhausted = false;
  for (let i = 0; i < items.length; i++) {
    const input = items[i]!;
    if (exhausted) {
      notProcessed.push(i);
      results.push({ input, status: 'not_processed', error: NOT_PROCESSED_ERROR });
      continue;
    }
    try {
      results.push(await requestValuation(context, requester, input, process.hrtime.bigint(), claim ? { claim, item: i } : null));
    } catch (error) {
      if (!(error instanceof ValuationRequestError)) throw error;
      if (error.code === 'insufficient_balance') {
        exhausted = true;
        notProcessed.push(i);
        results.push({ input, status: 'not_processed', error: NOT_PROCESSED_ERROR });
        continue;
      }
      const result: Record<string, unknown> = { input, error: error.message };
      if (error.detail.field) result.field = error.detail.field;
      if (error.detail.candidates) result.candidates = error.detail.candidates;
      results.push(result);
    }
  }
  return { results, total: items.length, processed: items.length - notProcessed.length, not_processed: notProcessed };
}
