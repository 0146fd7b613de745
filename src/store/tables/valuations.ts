import type { Generated } from 'kysely';

/** One answered valuation request (success or no-value), kept so its owner can fetch it again. */
export interface ValuationsTable {
  id: Generated<number>;
  account_id: number;
  /** Which contract asked: `gadsden` (POST /v1/valuations) or `padstats` (POST /v1/avm/property), or a job's. */
  source: string;
  market_id: string;
  property_id: number | null;
  uprn: string | null;
  address: string | null;
  postcode: string | null;
  /** `success` or `no_value`. */
  status: string;
  predicted_value: number | null;
  confidence_level: number | null;
  tier: number | null;
  model_version: string | null;
  /** The request body as received, JSON. */
  request: string;
  /** The response body as answered (without valuation_id), JSON. */
  response: string;
  created_at: string;
  completed_at: string;
  /** The Idempotency-Key claim (idempotent_responses.id) it was answered under, and its index in that request's batch (0 alone). */
  idempotency_claim_id: number | null;
  idempotency_item: number | null;
}

export interface ValuationTables {
  valuations: ValuationsTable;
}
