// The MarketConfig of a UK market (GBP, square metres, Land Registry types, EPC features) and the
// confidence tiers of the Gadsden contract.
import type { MarketConfig } from '../../engine/types.js';
import { GADSDEN_CONFIDENCE_TIERS } from '../../engine/confidence.js';
import { CONSTRUCTION_PERIODS, EPC_RATINGS, UK_PROPERTY_TYPES, type UkPropertyType } from './uk-fields.js';

export const BUILT_FORMS = ['Detached', 'Semi-Detached', 'End-Terrace', 'Mid-Terrace', 'Enclosed End-Terrace', 'Enclosed Mid-Terrace'];

export interface UkMarketOptions {
  id: string;
  name: string;
  synthetic?: boolean;
  /**
   * What a caller's "houses" means: the market's most common house type (Land Registry's Price Paid has
   * more terraced sales than any other house type nationally, so that is the default until an import
   * counts the market's own).
   */
  mostCommonHouseType?: UkPropertyType;
}

export function ukMarketConfig(options: UkMarketOptions): MarketConfig {
  const aliases: Record<string, string> = {};
  for (const t of UK_PROPERTY_TYPES) aliases[t.toLowerCase()] = t;
  Object.assign(aliases, {
    d: 'Detached',
    s: 'Semi-Detached',
    t: 'Terraced',
    f: 'Flat',
    o: 'Other',
    semi: 'Semi-Detached',
    'semi detached': 'Semi-Detached',
    semidetached: 'Semi-Detached',
    terrace: 'Terraced',
    'terraced house': 'Terraced',
    'mid-terrace': 'Terraced',
    'end-terrace': 'Terraced',
    maisonette: 'Flat',
    apartment: 'Flat',
    flats: 'Flat',
    houses: options.mostCommonHouseType ?? 'Terraced',
    house: options.mostCommonHouseType ?? 'Terraced',
  });
  return {
    id: options.id,
    name: options.name,
    country: 'GB',
    currency: 'GBP',
    areaUnit: 'sqm',
    synthetic: options.synthetic ?? false,
    propertyTypes: [...UK_PROPERTY_TYPES],
    propertyTypeAliases: aliases,
    features: [
      { name: 'floor_area', kind: 'numeric', label: 'Floor area (sqm, EPC)' },
      { name: 'bedrooms', kind: 'numeric', label: 'Bedrooms (estimated from EPC rooms)' },
      { name: 'habitable_rooms', kind: 'numeric', label: 'Habitable rooms (EPC)' },
      { name: 'property_type', kind: 'categorical', levels: [...UK_PROPERTY_TYPES], label: 'Property type' },
      { name: 'tenure', kind: 'categorical', levels: ['Freehold', 'Leasehold'], label: 'Tenure' },
      { name: 'new_build', kind: 'categorical', levels: ['Y', 'N'], label: 'New build' },
      { name: 'construction_period', kind: 'categorical', levels: [...CONSTRUCTION_PERIODS], label: 'Construction period (EPC)' },
      { name: 'epc_rating', kind: 'categorical', levels: [...EPC_RATINGS], label: 'EPC rating' },
      { name: 'built_form', kind: 'categorical', levels: [...BUILT_FORMS], label: 'Built form (EPC)' },
    ],
    nonMarket: { minPrice: 10_000, maxPrice: 20_000_000, minPricePerArea: 150, maxPricePerArea: 60_000 },
    // Gadsden: fewer than 3 comparables within 2 km and 5 years is "insufficient_comparables"; 5 are shown.
    comparables: { radiusKm: 2, lookbackMonths: 60, minCount: 3, count: 5 },
    confidence: { tiers: [...GADSDEN_CONFIDENCE_TIERS] },
  };
}
