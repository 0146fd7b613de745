// POST /v1/properties/batch items: one property detail each, by property_id or uprn. Reading the register
// costs no credits.
import type { ItemOutcome, JobProcessor } from '../jobs/job-worker.js';
import { loadPropertyDetails, propertyIdsByUprn } from './property-details.js';

export interface PropertyRef {
  property_id?: number;
  uprn?: string | number;
}

export const PROPERTY_NOT_FOUND = 'Property not found';

export const propertiesBatchProcessor: JobProcessor = {
  async processItems(_job, items, ctx): Promise<ItemOutcome[]> {
    const refs = items.map((item) => JSON.parse(item.input) as PropertyRef);
    const byUprn = await propertyIdsByUprn(
      ctx.store.db,
      refs.filter((r) => r.property_id === undefined && r.uprn !== undefined).map((r) => String(r.uprn)),
    );
    const ids = refs.map((r) => (r.property_id !== undefined ? r.property_id : r.uprn !== undefined ? byUprn.get(String(r.uprn)) : undefined));
    const details = await loadPropertyDetails(ctx.store.db, ids.filter((id): id is number => id !== undefined));
    return ids.map((id) => {
      const detail = id === undefined ? undefined : details.get(id);
      return detail ? { status: 'succeeded', result: detail } : { status: 'failed', error: PROPERTY_NOT_FOUND };
    });
  },
};
