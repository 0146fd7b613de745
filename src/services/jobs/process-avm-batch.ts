// PadStats batch items: each is one single-property AVM request, valued exactly as POST /v1/avm/property
// values it; a `complete` item costs one credit (debited by the worker with the item's result). Rental and
// multifamily batches are accepted, but Valora has no model for them yet: their items fail with that
// reason and cost nothing, rather than carrying a made-up number.
import type { JobItemRow, JobRow } from '../../store/repositories/jobs.js';
import { valueAvmProperty, type AvmPropertyItem } from '../valuations/value-avm-property.js';
import type { ValuationContext } from '../valuations/valuation-context.js';
import type { ItemOutcome, JobProcessor } from './job-worker.js';

export const UNSUPPORTED_AVM_TYPES: Record<string, string> = {
  rental: 'Rental valuations are not available: Valora has no rental model yet',
  multifamily: 'Multifamily valuations are not available: Valora has no multifamily model yet',
};

export function avmBatchProcessor(context: ValuationContext, log?: (message: string, fields?: Record<string, unknown>) => void): JobProcessor {
  return {
    async processItems(job: JobRow, items: JobItemRow[]): Promise<ItemOutcome[]> {
      const unsupported = job.avm_type ? UNSUPPORTED_AVM_TYPES[job.avm_type] : undefined;
      if (unsupported || job.avm_type !== 'property') {
        return items.map(() => ({ status: 'failed', error: unsupported ?? `Unknown batch type ${job.avm_type}` }));
      }
      const outcomes: ItemOutcome[] = [];
      for (const item of items) {
        let result;
        try {
          result = await valueAvmProperty(context, JSON.parse(item.input) as AvmPropertyItem);
        } catch (error) {
          // One property the engine cannot handle must not fail the other 499: it fails alone, uncharged.
          log?.('batch item failed unexpectedly', { job: job.id, index: item.idx, error: String(error) });
          outcomes.push({ status: 'failed', error: 'Internal error while valuing this property' });
          continue;
        }
        if (result.status === 'complete') outcomes.push({ status: 'succeeded', result: result.data, chargeable: true });
        else outcomes.push({ status: 'failed', error: result.error });
      }
      return outcomes;
    },
  };
}
