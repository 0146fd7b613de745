// A small register for API tests: a UK-style market (sqm, postcodes, UPRNs) and a US-style one (sqft,
// coordinates only), written through the real schema.
import type { MarketConfig } from '../../../src/engine/types.js';
import type { Store } from '../../../src/store/database.js';

const tiers = [
  { tier: 1, maxFsd: 0.1, band: 'A', haircut: 0.025, description: 'High confidence' },
  { tier: 2, maxFsd: 0.15, band: 'B', haircut: 0.05, description: 'Medium confidence' },
  { tier: 3, maxFsd: 0.25, band: 'C', haircut: 0.1, description: 'Low confidence' },
];

export const ukMarket: MarketConfig = {
  id: 'test-uk',
  name: 'Test UK',
  country: 'GB',
  currency: 'GBP',
  areaUnit: 'sqm',
  synthetic: true,
  propertyTypes: ['Detached', 'Semi-Detached', 'Terraced', 'Flat'],
  propertyTypeAliases: { d: 'Detached', s: 'Semi-Detached', t: 'Terraced', f: 'Flat', semi: 'Semi-Detached' },
  features: [
    { name: 'floor_area', kind: 'numeric' },
    { name: 'bedrooms', kind: 'numeric' },
    { name: 'property_type', kind: 'categorical', levels: ['Detached', 'Semi-Detached', 'Terraced', 'Flat'] },
  ],
  nonMarket: { minPrice: 10_000, maxPrice: 10_000_000 },
  comparables: { radiusKm: 2, lookbackMonths: 60, minCount: 3, count: 5 },
  confidence: { tiers },
};

export const usMarket: MarketConfig = {
  ...ukMarket,
  id: 'test-us',
  name: 'Test US',
  country: 'US',
  currency: 'USD',
  areaUnit: 'sqft',
  propertyTypes: ['Single Family', 'Condo'],
  propertyTypeAliases: { houses: 'Single Family', sfr: 'Single Family', condo: 'Condo' },
  features: [
    { name: 'floor_area', kind: 'numeric' },
    { name: 'bedrooms', kind: 'numeric' },
    { name: 'bathrooms', kind: 'numeric' },
    { name: 'year_built', kind: 'numeric' },
    { name: 'property_type', kind: 'categorical', levels: ['Single Family', 'Condo'] },
  ],
};

export const UK_ORIGIN = { latitude: 53.41, longitude: -2.23 };
export const US_ORIGIN = { latitude: 38.58, longitude: -121.49 };

export interface Seeded {
  /** property ids in insertion order, per market */
  uk: number[];
  us: number[];
  /** A UK property with no attributes at all (the engine answers no-value for it). */
  bare: number;
  /** A UK property far from every sale (insufficient comparables). */
  remote: number;
}

export async function seedMarkets(store: Store): Promise<Seeded> {
  const now = new Date().toISOString();
  const db = store.db;
  for (const m of [ukMarket, usMarket]) {
    await db.insertInto('markets').values({ id: m.id, name: m.name, config: JSON.stringify(m), created_at: now, updated_at: now }).execute();
  }
  const types = ['Detached', 'Semi-Detached', 'Terraced', 'Flat'];
  const uk: number[] = [];
  for (let i = 0; i < 24; i++) {
    const street = i < 12 ? 'Wilmslow Road' : 'Palatine Road';
    const postcode = i < 12 ? 'M20 2TG' : 'M20 3YA';
    const attributes = { floor_area: 60 + i * 3, bedrooms: 2 + (i % 3), construction_period: '1919-1945', epc_rating: 'D' };
    const row = await db
      .insertInto('properties')
      .values({
        market_id: 'test-uk',
        source_key: `uk-${i}`,
        uprn: String(100012345000 + i),
        address: `${i + 1} ${street}, Didsbury`,
        postcode,
        postcode_key: postcode.replace(' ', ''),
        latitude: UK_ORIGIN.latitude + (i % 6) * 0.001,
        longitude: UK_ORIGIN.longitude + Math.floor(i / 6) * 0.001,
        property_type: types[i % 4]!,
        attributes: JSON.stringify(attributes),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    uk.push(row.id);
    for (let s = 0; s < 2; s++) {
      await db
        .insertInto('sales')
        .values({
          market_id: 'test-uk',
          property_id: row.id,
          source_key: `uk-${i}-${s}`,
          sale_date: `${2019 + s * 3}-0${1 + (i % 9)}-15`,
          price: 200_000 + i * 5_000 + s * 30_000,
          is_market: 1,
          non_market_reason: null,
          attributes: JSON.stringify(attributes),
          created_at: now,
        })
        .execute();
    }
  }
  const extra = async (key: string, address: string, lat: number, lon: number, attributes: object) =>
    (
      await db
        .insertInto('properties')
        .values({ market_id: 'test-uk', source_key: key, uprn: null, address, postcode: 'M20 9ZZ', postcode_key: 'M209ZZ', latitude: lat, longitude: lon, property_type: null, attributes: JSON.stringify(attributes), created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const bare = await extra('uk-bare', '1 Unknown Lane, Didsbury', UK_ORIGIN.latitude, UK_ORIGIN.longitude + 0.002, {});
  const remote = await extra('uk-remote', '1 Remote Farm, Faraway', UK_ORIGIN.latitude + 1, UK_ORIGIN.longitude, { floor_area: 90, bedrooms: 3 });

  const us: number[] = [];
  for (let i = 0; i < 12; i++) {
    const attributes = { floor_area: 1200 + i * 100, bedrooms: 2 + (i % 3), bathrooms: 1 + (i % 2), year_built: 1960 + i * 4 };
    const row = await db
      .insertInto('properties')
      .values({
        market_id: 'test-us',
        source_key: `us-${i}`,
        uprn: null,
        address: null,
        postcode: null,
        postcode_key: null,
        latitude: US_ORIGIN.latitude + (i % 4) * 0.001,
        longitude: US_ORIGIN.longitude + Math.floor(i / 4) * 0.001,
        property_type: i % 3 === 0 ? 'Condo' : 'Single Family',
        attributes: JSON.stringify(attributes),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    us.push(row.id);
    await db
      .insertInto('sales')
      .values({ market_id: 'test-us', property_id: row.id, source_key: `us-${i}`, sale_date: '2021-06-01', price: 300_000 + i * 10_000, is_market: 1, non_market_reason: null, attributes: JSON.stringify(attributes), created_at: now })
      .execute();
  }
  return { uk, us, bare, remote };
}
