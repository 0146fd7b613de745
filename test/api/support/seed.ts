// A small register for API tests: a UK-style market (sqm, postcodes, UPRNs) and a US-style one (sqft,
// coordinates only), written through the real schema. Around the named fixture properties the tests look up,
// each market gets several hundred generated sales (a seeded PRNG, prices from a plain hedonic rule with 4%
// noise, 2016 to September 2025; the fixtures' own sales follow the same rule without noise) so the real engine
// can train a model there and value every fixture.
import type { MarketConfig } from '../../../src/engine/types.js';
import type { Store } from '../../../src/store/database.js';
import { seededRandom } from '../../../src/data/uk/generate-demo.js';

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
  /** The named fixture properties, in insertion order, per market (what the tests look up by id, UPRN or address). */
  uk: number[];
  us: number[];
  /** A UK property with no attributes at all (the engine answers no-value for it). */
  bare: number;
  /** A UK property far from every sale (insufficient comparables). */
  remote: number;
  /** Generated properties around the fixtures, per market (each UK one sold twice, each US one once). */
  background: { uk: number; us: number };
}

/**
 * Generated properties per market: 300 UK ones sold twice and 600 US ones sold once, with 4% price noise.
 * With fewer sales or more noise the engine's calibrated FSD rises and some test subjects get no value.
 */
const BACKGROUND = { uk: 300, us: 600 };
const NOISE = 0.04;
const FIRST_DAY = Date.UTC(2016, 0, 1) / 86_400_000;
const LAST_DAY = Date.UTC(2025, 8, 30) / 86_400_000;

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

function dayOf(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
}

/** Prices rise 4% a year from 2016. */
function timeFactor(day: number): number {
  return Math.exp((0.04 * (day - FIRST_DAY)) / 365.25);
}

const UK_CENTRE = { latitude: UK_ORIGIN.latitude + 0.0025, longitude: UK_ORIGIN.longitude + 0.0015 };
const UK_TYPE_FACTOR: Record<string, number> = { Detached: 1.3, 'Semi-Detached': 1.12, Terraced: 1, Flat: 0.9 };

/** The UK rule: £3,300 per m² in 2016, by type, dearer to the north, times a log-normal error of `noise`. */
function ukPrice(area: number, type: string, latitude: number, day: number, noise: number): number {
  const location = 1 + 8 * (latitude - UK_CENTRE.latitude);
  return Math.round((3_300 * area * UK_TYPE_FACTOR[type]! * location * timeFactor(day) * Math.exp(noise)) / 250) * 250;
}

/** The US rule: $240 per ft² in 2016, less for older homes, dearer to the east. */
function usPrice(area: number, yearBuilt: number, longitude: number, day: number, noise: number): number {
  const age = 1 - 0.002 * (2025 - yearBuilt);
  const location = 1 + 6 * (longitude - US_ORIGIN.longitude);
  return Math.round((240 * area * age * location * timeFactor(day) * Math.exp(noise)) / 500) * 500;
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
      const saleDate = `${2019 + s * 3}-0${1 + (i % 9)}-15`;
      await db
        .insertInto('sales')
        .values({
          market_id: 'test-uk',
          property_id: row.id,
          source_key: `uk-${i}-${s}`,
          sale_date: saleDate,
          price: ukPrice(attributes.floor_area, types[i % 4]!, UK_ORIGIN.latitude + (i % 6) * 0.001, dayOf(saleDate), 0),
          is_market: 1,
          non_market_reason: null,
          attributes: JSON.stringify({ ...attributes, property_type: types[i % 4]! }),
          created_at: now,
        })
        .execute();
    }
  }
  const extra = async (key: string, address: string, lat: number, lon: number, propertyType: string | null, attributes: object) =>
    (
      await db
        .insertInto('properties')
        .values({ market_id: 'test-uk', source_key: key, uprn: null, address, postcode: 'M20 9ZZ', postcode_key: 'M209ZZ', latitude: lat, longitude: lon, property_type: propertyType, attributes: JSON.stringify(attributes), created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const bare = await extra('uk-bare', '1 Unknown Lane, Didsbury', UK_ORIGIN.latitude, UK_ORIGIN.longitude + 0.002, null, {});
  const remote = await extra('uk-remote', '1 Remote Farm, Faraway', UK_ORIGIN.latitude + 1, UK_ORIGIN.longitude, 'Detached', { floor_area: 90, bedrooms: 3 });

  const us: number[] = [];
  for (let i = 0; i < 12; i++) {
    const attributes = { floor_area: 1200 + i * 100, bedrooms: 2 + (i % 3), bathrooms: 1 + (i % 2), year_built: 1960 + i * 4 };
    const propertyType = i % 3 === 0 ? 'Condo' : 'Single Family';
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
        property_type: propertyType,
        attributes: JSON.stringify(attributes),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    us.push(row.id);
    await db
      .insertInto('sales')
      .values({ market_id: 'test-us', property_id: row.id, source_key: `us-${i}`, sale_date: '2021-06-01', price: usPrice(attributes.floor_area, attributes.year_built, US_ORIGIN.longitude + Math.floor(i / 4) * 0.001, dayOf('2021-06-01'), 0), is_market: 1, non_market_reason: null, attributes: JSON.stringify({ ...attributes, property_type: propertyType }), created_at: now })
      .execute();
  }

  await seedBackground(store, now);
  return { uk, us, bare, remote, background: { ...BACKGROUND } };
}

/**
 * The generated neighbourhoods: UK houses within about 1 km of the fixtures, in postcodes no test looks up;
 * US single-family homes within about 1 km, none in the small box and circle the search tests count
 * (US_ORIGIN −0.0008…+0.0008 longitude, −0.0008…+0.0038 latitude), none near the point 3 km north that must
 * have no comparables.
 */
async function seedBackground(store: Store, now: string): Promise<void> {
  const random = seededRandom(20_240_611);
  const ukTypes = Object.keys(UK_TYPE_FACTOR);
  const properties: Array<{ market: string; key: string; address: string | null; postcode: string | null; lat: number; lon: number; type: string; attributes: Record<string, number | string> }> = [];
  const sales: Array<{ key: string; propertyKey: string; market: string; day: number; price: number; attributes: Record<string, number | string> }> = [];
  for (let n = 0; n < BACKGROUND.uk; n++) {
    const type = ukTypes[Math.floor(random() * ukTypes.length)]!;
    const area = Math.round(45 + random() * 110);
    const bedrooms = Math.max(1, Math.min(5, Math.round(area / 30)));
    const lat = UK_CENTRE.latitude + (random() - 0.5) * 0.018;
    const lon = UK_CENTRE.longitude + (random() - 0.5) * 0.028;
    const attributes = { floor_area: area, bedrooms, property_type: type };
    const key = `uk-bg-${n}`;
    const postcode = `M20 ${5 + (n % 3)}BG`;
    properties.push({ market: 'test-uk', key, address: `${n + 1} Generated Close, Didsbury`, postcode, lat, lon, type, attributes: { floor_area: area, bedrooms } });
    for (let s = 0; s < 2; s++) {
      const day = Math.floor(FIRST_DAY + random() * (LAST_DAY - FIRST_DAY));
      sales.push({ key: `${key}-${s}`, propertyKey: key, market: 'test-uk', day, price: ukPrice(area, type, lat, day, NOISE * gaussian(random)), attributes });
    }
  }
  for (let n = 0; n < BACKGROUND.us; n++) {
    let lat: number;
    let lon: number;
    do {
      lat = US_ORIGIN.latitude + 0.0015 + (random() - 0.5) * 0.018;
      lon = US_ORIGIN.longitude + 0.001 + (random() - 0.5) * 0.024;
    } while (Math.abs(lon - US_ORIGIN.longitude) < 0.0008 && lat > US_ORIGIN.latitude - 0.0008 && lat < US_ORIGIN.latitude + 0.0038);
    const area = Math.round(900 + random() * 2_300);
    const bedrooms = Math.max(1, Math.min(6, Math.round(area / 550)));
    const bathrooms = Math.max(1, Math.round(area / 900));
    const yearBuilt = 1950 + Math.floor(random() * 66);
    const attributes = { floor_area: area, bedrooms, bathrooms, year_built: yearBuilt };
    const key = `us-bg-${n}`;
    const day = Math.floor(FIRST_DAY + random() * (LAST_DAY - FIRST_DAY));
    properties.push({ market: 'test-us', key, address: null, postcode: null, lat, lon, type: 'Single Family', attributes });
    sales.push({ key, propertyKey: key, market: 'test-us', day, price: usPrice(area, yearBuilt, lon, day, NOISE * gaussian(random)), attributes: { ...attributes, property_type: 'Single Family' } });
  }

  const db = store.db;
  for (let i = 0; i < properties.length; i += 100) {
    await db
      .insertInto('properties')
      .values(
        properties.slice(i, i + 100).map((p) => ({
          market_id: p.market,
          source_key: p.key,
          uprn: null,
          address: p.address,
          postcode: p.postcode,
          postcode_key: p.postcode?.replace(' ', '') ?? null,
          latitude: p.lat,
          longitude: p.lon,
          property_type: p.type,
          attributes: JSON.stringify(p.attributes),
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  const ids = new Map((await db.selectFrom('properties').select(['id', 'source_key']).where('source_key', 'like', '%-bg-%').execute()).map((r) => [r.source_key, r.id]));
  for (let i = 0; i < sales.length; i += 100) {
    await db
      .insertInto('sales')
      .values(
        sales.slice(i, i + 100).map((s) => ({
          market_id: s.market,
          property_id: ids.get(s.propertyKey)!,
          source_key: s.key,
          sale_date: isoDay(s.day),
          price: s.price,
          is_market: 1,
          non_market_reason: null,
          attributes: JSON.stringify(s.attributes),
          created_at: now,
        })),
      )
      .execute();
  }
}
