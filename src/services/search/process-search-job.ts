// Async searches. The search stage runs once, under the job's lease, and writes one item per property
// found; the items are then filled in chunks like any batch: a summary for POST /v1/search, the full
// property detail for POST /v1/search/with-details (chain_stage 'search' then 'detail').
import { countItems, insertItems, setJobTotal } from '../../store/repositories/jobs.js';
import type { ItemOutcome, JobProcessor } from '../jobs/job-worker.js';
import { loadPropertyDetails, type PropertyDetail } from './property-details.js';
import { PROPERTY_NOT_FOUND } from './process-properties-batch.js';
import { searchProperties, type PropertySummary, type SearchFilters } from './search-properties.js';

export interface SearchJobParams {
  filters: SearchFilters;
  maxItems: number;
}

export function summaryOf(detail: PropertyDetail): PropertySummary {
  const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    property_id: detail.property_id,
    market: detail.market,
    uprn: detail.uprn,
    address: detail.address,
    postcode: detail.postcode,
    latitude: detail.latitude,
    longitude: detail.longitude,
    property_type: detail.property_type ?? (typeof detail.attributes.property_type === 'string' ? detail.attributes.property_type : null),
    bedrooms: number(detail.attributes.bedrooms),
    bathrooms: number(detail.attributes.bathrooms),
    floor_area: number(detail.attributes.floor_area),
    last_sale: detail.last_sale,
  };
}

export const searchProcessor: JobProcessor = {
  async prepare(job, ctx) {
    const searching = job.kind === 'search' ? true : job.chain_stage === 'search';
    if (!searching) return;
    await ctx.withLease(async (trx) => {
      if ((await countItems(trx, job.id)) > 0) return;
      const params = JSON.parse(job.params) as SearchJobParams;
      const found = await searchProperties(trx, params.filters, params.maxItems);
      const now = new Date().toISOString();
      await insertItems(trx, job.id, 0, found.map((p) => ({ property_id: p.property_id })), now);
      await setJobTotal(trx, job.id, found.length, job.kind === 'search_with_details' ? 'detail' : null, now);
    });
  },

  async processItems(job, items, ctx): Promise<ItemOutcome[]> {
    const ids = items.map((item) => (JSON.parse(item.input) as { property_id: number }).property_id);
    const details = await loadPropertyDetails(ctx.store.db, ids);
    return ids.map((id) => {
      const detail = details.get(id);
      // Removed from the register between the two stages.
      if (!detail) return { status: 'failed', error: PROPERTY_NOT_FOUND };
      return { status: 'succeeded', result: job.kind === 'search_with_details' ? detail : summaryOf(detail) };
    });
  },
};
