import type { Generated } from 'kysely';

// Conventions for every table (both dialects): ids are integer identity columns, booleans are 0/1 integers,
// timestamps are ISO-8601 UTC text, dates are YYYY-MM-DD text, JSON is text.

export interface MarketsTable {
  id: string;
  name: string;
  /** MarketConfig as JSON. */
  config: string;
  created_at: string;
  updated_at: string;
}

export interface PropertiesTable {
  id: Generated<number>;
  market_id: string;
  /** The importer's key for this property, unique in the market (a source id, or a normalised address). */
  source_key: string;
  uprn: string | null;
  address: string | null;
  postcode: string | null;
  /** Upper-case postcode without spaces, for lookups. */
  postcode_key: string | null;
  latitude: number;
  longitude: number;
  property_type: string | null;
  /** Feature values by name (the latest known), JSON. */
  attributes: string;
  created_at: string;
  updated_at: string;
}

export interface SalesTable {
  id: Generated<number>;
  market_id: string;
  property_id: number;
  /** The importer's id for this sale, unique in the market (sale_id, a Price Paid transaction id). */
  source_key: string;
  sale_date: string;
  price: number;
  is_market: number;
  non_market_reason: string | null;
  /** Feature values by name as they were at the sale, JSON. */
  attributes: string;
  created_at: string;
}

export interface ModelsTable {
  id: Generated<number>;
  market_id: string;
  model_version: string;
  /** Sales used: every sale on or before this date. */
  trained_until: string;
  data_fingerprint: string;
  /** The serialised model (deterministic bytes for the same data and seed). */
  content: string;
  active: number;
  created_at: string;
}

export interface CoreTables {
  markets: MarketsTable;
  properties: PropertiesTable;
  sales: SalesTable;
  models: ModelsTable;
}
