// One PadStats AVM item (the single-property endpoint and every item of a batch): resolve the location to a
// register entry or coordinates, map PadStats' field names onto the market's features, value, and answer
// the item's `data` object or a typed item error. Reads only; charging is the caller's (one credit per
// `complete`, e.g. debitJobItems with `job:<id>:item:<i>`).
import type { MarketConfig, ValuationOutcome } from '../../engine/types.js';
import { findPropertiesByAddress, type PropertyRow } from '../../store/repositories/properties.js';
import { InvalidSubjectError, EngineNotReadyError, NoModelForDateError } from '../valuation-engine.js';
import { MAX_CANDIDATES, type PropertyCandidate } from '../properties/find-property.js';
import { presentComparables, type PresentedComparable } from './present-comparables.js';
import { dayOf, isIsoDate, parseAttributes, roundTo, todayDate } from './presentation.js';
import type { ValuationContext } from './valuation-context.js';

export interface AvmPropertyItem {
  property_id?: string | number | null;
  location?: { address?: string | null; latitude?: number | null; longitude?: number | null } | null;
  search_params?: { radius_mi?: number | null; num_comparables?: number | null; lookback_months?: number | null; date?: string | null } | null;
  property_fields?: Record<string, unknown> | null;
  market?: string | null;
}

export interface AvmPropertyData {
  valuation: {
    point_value: number;
    confidence_interval_95: { lower: number; upper: number };
    valuation_range_90: { low: number; high: number };
    fsd: number;
    confidence_tier: number;
    confidence_level: number;
    fsd_band: string;
    fitch_haircut: number;
    description: string;
  };
  comparables: Array<PresentedComparable & { distance_mi: number }>;
  feature_contributions: Array<{ feature: string; contribution: number }>;
  base_value: number;
  model_version: string;
  market: string;
  currency: string;
  area_unit: 'sqft' | 'sqm';
  valuation_date: string;
  /** The register entry the location resolved to, when it did. */
  register_property_id: number | null;
}

export type AvmItemErrorCode = 'invalid_field' | 'geocode_failed' | 'ambiguous_address' | 'outside_markets' | 'no_value' | 'engine_unavailable';

export type AvmItemResult =
  | { status: 'complete'; data: AvmPropertyData; marketId: string; property: PropertyRow | null; outcome: ValuationOutcome }
  | {
      status: 'error';
      code: AvmItemErrorCode;
      error: string;
      /** The input field to fix, dotted (`property_fields.total_bedrooms`), for invalid_field and outside_markets. */
      field?: string;
      candidates?: PropertyCandidate[];
      /** For no_value: the engine's reason and what was missing. */
      reason?: string;
      missing_data?: string[];
      model_version?: string;
      marketId?: string;
      property?: PropertyRow | null;
      outcome?: ValuationOutcome;
    };

/** PadStats field → the engine's core feature name. */
export const PADSTATS_FIELDS: Record<string, string> = {
  total_bedrooms: 'bedrooms',
  total_bathrooms: 'bathrooms',
  living_area: 'floor_area',
  year_built: 'year_built',
  property_type: 'property_type',
};
const ENGINE_TO_PADSTATS = Object.fromEntries(Object.entries(PADSTATS_FIELDS).map(([k, v]) => [v, k]));

export const DEFAULT_AVM_COMPARABLES = 5;
const KM_PER_MILE = 1.609344;

function fail(code: AvmItemErrorCode, error: string, extra: Partial<Extract<AvmItemResult, { status: 'error' }>> = {}): AvmItemResult {
  return { status: 'error', code, error, ...extra };
}

async function resolveAddress(context: ValuationContext, address: string, marketId: string | undefined): Promise<PropertyRow[]> {
  return findPropertiesByAddress(context.store.db, address, MAX_CANDIDATES + 1, marketId);
}

export async function valueAvmProperty(context: ValuationContext, item: AvmPropertyItem): Promise<AvmItemResult> {
  const engine = context.engine;
  const location = item.location ?? {};
  const params = item.search_params ?? {};
  const date = params.date ?? todayDate();
  if (!isIsoDate(date)) return fail('invalid_field', 'search_params.date must be a calendar date written YYYY-MM-DD', { field: 'search_params.date' });
  if (item.market != null && !engine.markets().some((m) => m.id === item.market)) {
    return fail('invalid_field', `unknown market '${item.market}'; known: ${engine.markets().map((m) => m.id).join(', ')}`, { field: 'market' });
  }
  const hasPoint = location.latitude != null && location.longitude != null;
  if ((location.latitude != null) !== (location.longitude != null)) {
    const missing = location.latitude == null ? 'latitude' : 'longitude';
    return fail('invalid_field', `location.${missing} is required with the other coordinate`, { field: `location.${missing}` });
  }
  const address = location.address?.trim() || null;
  if (!address && !hasPoint) return fail('invalid_field', 'location needs an address or latitude and longitude', { field: 'location' });

  // The register entry: by address when one is given (coordinates, when also given, stand in if it does not resolve).
  let property: PropertyRow | null = null;
  if (address) {
    const rows = await resolveAddress(context, address, item.market ?? undefined);
    if (rows.length === 1) property = rows[0]!;
    else if (rows.length > 1 && !hasPoint) {
      return fail('ambiguous_address', `Address matches ${rows.length > MAX_CANDIDATES ? `more than ${MAX_CANDIDATES}` : rows.length} properties; give a fuller address or coordinates`, {
        candidates: rows.slice(0, MAX_CANDIDATES).map((r) => ({ property_id: r.id, uprn: r.uprn, address: r.address, postcode: r.postcode })),
      });
    } else if (rows.length === 0 && !hasPoint) return fail('geocode_failed', 'Unable to geocode address');
  }
  const latitude = property ? property.latitude : location.latitude!;
  const longitude = property ? property.longitude : location.longitude!;

  const marketId = item.market ?? property?.market_id ?? engine.marketAt(latitude, longitude);
  if (!marketId) return fail('outside_markets', 'Location is outside every market Valora covers', { field: 'location' });
  const config = await context.marketConfig(marketId);
  if (!config || !engine.isReady(marketId)) return fail('engine_unavailable', 'AVM service unavailable');

  const attributes = property ? (parseAttributes(property.attributes) as Record<string, number | string | null>) : {};
  if (property?.property_type != null && attributes.property_type == null) attributes.property_type = property.property_type;
  const mapped = mapFields(item.property_fields ?? {}, config);
  if ('field' in mapped) return fail('invalid_field', mapped.message, { field: mapped.field });
  Object.assign(attributes, mapped.attributes);

  const numComparables = params.num_comparables ?? DEFAULT_AVM_COMPARABLES;
  let outcome: ValuationOutcome;
  try {
    outcome = engine.value(
      marketId,
      { latitude, longitude, ...(property ? { propertyId: property.id } : {}), attributes },
      {
        asOf: dayOf(date),
        numComparables,
        ...(params.radius_mi != null ? { radiusKm: params.radius_mi * KM_PER_MILE } : {}),
        ...(params.lookback_months != null ? { lookbackMonths: params.lookback_months } : {}),
        explain: true,
        maxContributions: 10,
      },
    );
  } catch (error) {
    if (error instanceof InvalidSubjectError) {
      const field = ENGINE_TO_PADSTATS[error.field] ?? error.field;
      return fail('invalid_field', error.message, { field: `property_fields.${field}` });
    }
    if (error instanceof EngineNotReadyError) return fail('engine_unavailable', 'AVM service unavailable');
    if (error instanceof NoModelForDateError) return fail('invalid_field', `date: ${error.message}`, { field: 'search_params.date' });
    throw error;
  }
  if (outcome.status === 'no_value') {
    return fail('no_value', outcome.reasonDescription, {
      reason: outcome.reason,
      missing_data: outcome.missingData,
      model_version: outcome.modelVersion,
      marketId,
      property,
      outcome,
    });
  }
  const comparables = await presentComparables(context.store.db, outcome.comparables, config);
  return {
    status: 'complete',
    marketId,
    property,
    outcome,
    data: {
      valuation: {
        point_value: Math.round(outcome.value),
        confidence_interval_95: { lower: Math.round(outcome.interval95.lower), upper: Math.round(outcome.interval95.upper) },
        valuation_range_90: { low: Math.round(outcome.range90.low), high: Math.round(outcome.range90.high) },
        fsd: roundTo(outcome.fsd, 4),
        confidence_tier: outcome.tier.tier,
        confidence_level: Math.round(outcome.confidenceLevel),
        fsd_band: outcome.tier.band,
        fitch_haircut: outcome.tier.haircut,
        description: outcome.tier.description,
      },
      comparables: comparables.map((c) => ({ ...c, distance_mi: roundTo(c.distance_m / 1609.344, 3) })),
      feature_contributions: outcome.contributions.slice(0, 10).map((c) => ({ feature: c.feature, contribution: roundTo(c.contribution, 2) })),
      base_value: Math.round(outcome.baseValue),
      model_version: outcome.modelVersion,
      market: marketId,
      currency: config.currency,
      area_unit: config.areaUnit,
      valuation_date: date,
      register_property_id: property?.id ?? null,
    },
  };
}

/** PadStats names to engine features; any other key must be one of the market's own feature names. */
function mapFields(fields: Record<string, unknown>, config: MarketConfig): { attributes: Record<string, number | string | null> } | { field: string; message: string } {
  const known = new Set(config.features.map((f) => f.name));
  const attributes: Record<string, number | string | null> = {};
  for (const [name, value] of Object.entries(fields)) {
    const feature = PADSTATS_FIELDS[name] ?? (known.has(name) ? name : null);
    if (feature === null) {
      return { field: `property_fields.${name}`, message: `property_fields.${name} is not a field of market ${config.id}; use ${[...Object.keys(PADSTATS_FIELDS), ...known].join(', ')}` };
    }
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'number' && typeof value !== 'string') {
      return { field: `property_fields.${name}`, message: `property_fields.${name} must be a number or a string` };
    }
    attributes[feature] = value;
  }
  return { attributes };
}
