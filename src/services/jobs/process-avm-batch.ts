// PadStats batch items: each is one single-property AVM request, valued exactly as POST /v1/avm/property
// values it; a `complete` item costs one credit (debited by the worker with the item's result). Rental and
// multifamily batches are accepted, but Valora has no model for them yet: their items fail with that
// reason and cost nothing, rather than carrying a made-up number.
import type { JobItemRow, JobRow } from '../../store/repositories/jobs.js';
import { valueAvmProperty, type AvmPropertyItem } from '../valuations/value-avm-property.js';
import type { ValuationContext } from '../valuations/valuation-context.js';
import type { ValuationEngine } from '../valuation-engine.js';
import type { ItemOutcome, JobProcessor } from './job-worker.js';

export const UNSUPPORTED_AVM_TYPES: Record<string, string> = {
  rental: 'Rental valuations are not available: Valora has no rental model yet',
  multifamily: 'Multifamily valuations are not available: Valora has no multifamily model yet',
};

/**
 * The context a batch values with: feature contributions (TreeSHAP, by far the costliest part of a
 * valuation) only for items that ask for them with `"explain": true`. PadStats' batch results carry the
 * value and its interval; a 500-item batch should not pay for 500 explanations nobody requested.
 */
function contextFor(context: ValuationContext, explain: boolean): ValuationContext {
  if (explain) return context;
  const engine: ValuationEngine = {
    markets: () => context.engine.markets(),
    isReady: (marketId) => context.engine.isReady(marketId),
    marketAt: (latitude, longitude) => context.engine.marketAt(latitude, longitude),
    value: (marketId, subject, options) => context.engine.value(marketId, subject, { ...options, explain: false }),
  };
  return { ...context, engine };
}

export function avmBatchProcessor(context: ValuationContext, log?: (message: string, fields?: Record<string, unknown>) => void): JobProcessor {
  const plain = contextFor(context, false);
  return {
    async processItems(job: JobRow, items: JobItemRow[]): Promise<ItemOutcome[]> {
      const unsupported = job.avm_type ? UNSUPPORTED_AVM_TYPES[job.avm_type] : undefined;
      if (unsupported || job.avm_type !== 'property') {
        return items.map(() => ({ status: 'failed', error: unsupported ?? `Unknown batch type ${job.avm_type}` }));
      }
      // The items of a chunk are valued concurrently: the engine itself is synchronous, but each item's
      // lookups (an address, its comparables' addresses) are database round trips worth overlapping.
      const outcomes = await Promise.all(
        items.map(async (item): Promise<ItemOutcome> => {
          let result;
          try {
            const input = JSON.parse(item.input) as AvmPropertyItem & { explain?: unknown };
            result = await valueAvmProperty(input.explain === true ? context : plain, input);
          } catch (error) {
            // One property the engine cannot handle must not fail the other 499: it fails alone, uncharged.
            log?.('batch item failed unexpectedly', { job: job.id, index: item.idx, error: String(error) });
            return { status: 'failed', error: 'Internal error while valuing this property' };
          }
          if (result.status === 'complete') return { status: 'succeeded', result: result.data, chargeable: true };
          return { status: 'failed', error: result.error };
        }),
      );
      return outcomes;
    },
  };
}
