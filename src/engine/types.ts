// The engine's data contract. Everything here is plain data: the engine receives it already in memory
// (the service layer reads it from the store) and never performs I/O itself.

/** Days since 1970-01-01 (UTC). Every date inside the engine is a day number. */
export type Day = number;

export type FeatureKind = 'numeric' | 'categorical';

/**
 * One model input. Categorical values are carried as the index of their level in `levels`
 * (as a float), missing values of either kind as NaN.
 */
export interface FeatureSpec {
  name: string;
  kind: FeatureKind;
  /** Categorical levels, in a fixed order; an unknown string maps to missing. */
  levels?: string[];
  /** Human label used in explanations and docs. */
  label?: string;
}

/** A confidence tier: valuations whose FSD is at most `maxFsd` (and above the previous tier's) get it. */
export interface ConfidenceTier {
  tier: number;
  maxFsd: number;
  band: string;
  haircut: number;
  description: string;
}

export interface MarketConfig {
  id: string;
  name: string;
  country: string; // ISO 3166-1 alpha-2
  currency: string; // ISO 4217
  areaUnit: 'sqft' | 'sqm';
  /** True for generated demo data; shown wherever the market appears. */
  synthetic: boolean;
  /** The property types this market knows, as shown to users (e.g. Detached, Condo). */
  propertyTypes: string[];
  /**
   * Other names callers use for those types, lower-case (PadStats' "houses", a Land Registry code "d"):
   * alias -> one of propertyTypes.
   */
  propertyTypeAliases: Record<string, string>;
  /** Model inputs besides the location and time, in order. Core names: floor_area, bedrooms, bathrooms, year_built, property_type. */
  features: FeatureSpec[];
  /** Sales outside this price range are flagged non-market (kept, but out of training and comparables). */
  nonMarket: { minPrice: number; maxPrice: number; minPricePerArea?: number; maxPricePerArea?: number };
  comparables: { radiusKm: number; lookbackMonths: number; minCount: number; count: number };
  confidence: { tiers: ConfidenceTier[] };
  /**
   * What the value model predicts: the log price (default), or the log price per unit of floor area,
   * which suits markets described by few features (the area then enters exactly).
   */
  valueTarget?: 'log_price' | 'log_price_per_area';
}

/**
 * A market's sales as columns. Row i is one sale; `attributes[name][i]` is the value of feature `name`
 * for the property as it was at that sale (categoricals as level index, NaN when unknown).
 */
export interface SalesFrame {
  count: number;
  /** Store id of each sale, to report comparables. */
  saleId: Float64Array;
  /** Store id of the sold property (the register entry); -1 when unknown. */
  propertyId: Float64Array;
  day: Int32Array;
  price: Float64Array;
  latitude: Float64Array;
  longitude: Float64Array;
  /** 1 for an ordinary market sale, 0 for one flagged non-market. */
  isMarket: Uint8Array;
  attributes: Record<string, Float64Array>;
}

/** The property to value. Attributes are given by feature name, as raw values (strings for categoricals). */
export interface Subject {
  latitude: number;
  longitude: number;
  /** The register entry, when the subject is a known property: its own earlier sales may then be comparables. */
  propertyId?: number;
  attributes: Record<string, number | string | null | undefined>;
}

export interface ValuationOptions {
  /** The valuation date: no sale on or after it is used. */
  asOf: Day;
  /** Comparables to return (0 returns none and skips ranking). */
  numComparables?: number;
  radiusKm?: number;
  lookbackMonths?: number;
  /** Compute feature contributions (TreeSHAP). */
  explain?: boolean;
  /** How many contributions to return, strongest first. */
  maxContributions?: number;
}

export interface Comparable {
  saleId: number;
  propertyId: number;
  distanceM: number;
  saleDay: Day;
  salePrice: number;
  /** The sale price moved to the valuation date with the market's price index. */
  adjustedPrice: number;
  propertyType: string | null;
  floorArea: number | null;
  similarity: number;
}

export interface Contribution {
  feature: string;
  /** In the market's currency: how much this feature moved the value away from the base value. */
  contribution: number;
}

export type NoValueReason = 'missing_critical_data' | 'insufficient_comparables' | 'below_confidence_threshold';

export interface ValuationSuccess {
  status: 'success';
  value: number;
  fsd: number;
  tier: ConfidenceTier;
  /** A score in 0..100 from the FSD: higher is more confident. */
  confidenceLevel: number;
  range90: { low: number; high: number };
  interval95: { lower: number; upper: number };
  comparables: Comparable[];
  contributions: Contribution[];
  /** Base value (currency) the contributions start from. */
  baseValue: number;
  modelVersion: string;
}

export interface ValuationNoValue {
  status: 'no_value';
  reason: NoValueReason;
  reasonDescription: string;
  missingData: string[];
  modelVersion: string;
}

export type ValuationOutcome = ValuationSuccess | ValuationNoValue;
