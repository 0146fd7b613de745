// A market generated from a known price process, for engine tests that must check what the model
// recovers: value = level(location) · area^0.8 · type effect · index(month) · noise.
import { parseDay } from '../../src/engine/calendar.js';
import type { MarketConfig, SalesFrame } from '../../src/engine/types.js';

export const SYNTHETIC_MONTHLY_GROWTH = 0.005;
export const SYNTHETIC_START = '2015-01-01';

export function syntheticConfig(): MarketConfig {
  return {
    id: 'synthetic-test',
    name: 'Synthetic test market',
    country: 'US',
    currency: 'USD',
    areaUnit: 'sqft',
    synthetic: true,
    propertyTypes: ['House', 'Condo'],
    propertyTypeAliases: { houses: 'House', condos: 'Condo' },
    features: [
      { name: 'floor_area', kind: 'numeric' },
      { name: 'bedrooms', kind: 'numeric' },
      { name: 'year_built', kind: 'numeric' },
      { name: 'property_type', kind: 'categorical', levels: ['Condo', 'House'] },
    ],
    nonMarket: { minPrice: 1000, maxPrice: 1e8 },
    comparables: { radiusKm: 2, lookbackMonths: 60, minCount: 3, count: 5 },
    confidence: {
      tiers: [
        { tier: 1, maxFsd: 0.08, band: 'A', haircut: 0.025, description: 'High confidence' },
        { tier: 2, maxFsd: 0.12, band: 'B', haircut: 0.05, description: 'Medium confidence' },
        { tier: 3, maxFsd: 0.3, band: 'C', haircut: 0.1, description: 'Low confidence' },
      ],
    },
  };
}

/** Deterministic pseudo-random numbers (xorshift32) so every run sees the same market. */
export function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

export const CENTRE = { latitude: 41.6, longitude: -83.6 };

/** Location level: dearer to the north-east, in log terms ±0.3 across the ~10 km square. */
export function locationLevel(latitude: number, longitude: number): number {
  return 3 * (latitude - CENTRE.latitude) + 2 * (longitude - CENTRE.longitude);
}

export function syntheticFrame(count = 2000, months = 48, seed = 7, noise = 0.08): SalesFrame {
  const next = random(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const start = parseDay(SYNTHETIC_START);
  const rows = Array.from({ length: count }, (_, i) => {
    const day = start + Math.floor((next() * months * 365.25) / 12);
    const latitude = CENTRE.latitude + (next() - 0.5) * 0.09;
    const longitude = CENTRE.longitude + (next() - 0.5) * 0.12;
    const house = next() < 0.7;
    const area = Math.round(house ? 900 + next() * 2100 : 500 + next() * 900);
    const bedrooms = Math.max(1, Math.round(area / 550 + next()));
    const yearBuilt = 1900 + Math.floor(next() * 120);
    const monthsIn = (day - start) / 30.44;
    const log = Math.log(150) + 0.8 * Math.log(area) + (house ? 0.15 : 0) + locationLevel(latitude, longitude) + SYNTHETIC_MONTHLY_GROWTH * monthsIn + noise * gauss();
    return { id: i + 1, day, latitude, longitude, house, area, bedrooms, yearBuilt, price: Math.round(Math.exp(log)) };
  }).sort((a, b) => a.day - b.day || a.id - b.id);
  return {
    count,
    saleId: Float64Array.from(rows, (r) => r.id),
    propertyId: Float64Array.from(rows, (r) => r.id),
    day: Int32Array.from(rows, (r) => r.day),
    price: Float64Array.from(rows, (r) => r.price),
    latitude: Float64Array.from(rows, (r) => r.latitude),
    longitude: Float64Array.from(rows, (r) => r.longitude),
    isMarket: new Uint8Array(count).fill(1),
    attributes: {
      floor_area: Float64Array.from(rows, (r) => r.area),
      bedrooms: Float64Array.from(rows, (r) => r.bedrooms),
      year_built: Float64Array.from(rows, (r) => r.yearBuilt),
      property_type: Float64Array.from(rows, (r) => (r.house ? 1 : 0)),
    },
  };
}

/** Fast training settings for tests (the method is the same, with fewer and coarser trees). */
export const FAST_TRAINING = { valueParams: { numRounds: 400, learningRate: 0.1 } } as const;
