import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findAccountValuation } from '../../store/repositories/valuations.js';

export interface StoredValuation {
  valuation_id: number;
  property_id: number | null;
  uprn: string | null;
  address: string | null;
  postcode: string | null;
  predicted_value: number | null;
  confidence_level: number | null;
  valuation_tier: number | null;
  status: string;
  /** Valora: `success` or `no_value`, what the valuation answered. */
  result: string;
  market: string;
  created_at: string;
  completed_at: string;
}

/** The account's own valuation by id (the Gadsden GET shape), or null — also for another account's id. */
export async function getValuation(db: Kysely<Database>, accountId: number, id: number): Promise<StoredValuation | null> {
  const row = await findAccountValuation(db, accountId, id);
  if (!row) return null;
  return {
    valuation_id: row.id,
    property_id: row.property_id,
    uprn: row.uprn,
    address: row.address,
    postcode: row.postcode,
    predicted_value: row.predicted_value,
    confidence_level: row.confidence_level,
    valuation_tier: row.tier,
    status: 'complete',
    result: row.status,
    market: row.market_id,
    created_at: row.created_at,
    completed_at: row.completed_at,
  };
}
