// POST /v1/search over the property register: location (a place name, a bounding box, or a point and
// radius), bedrooms, bathrooms, floor area, type, and the last sale's price and date. The database narrows
// by market, place and box; attribute and distance filters run here on pages of candidates, so memory stays
// bounded whatever the register's size. Results come in property id order (stable between runs).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

export interface Range {
  min?: number;
  max?: number;
}

export interface SearchFilters {
  /** A place name ("Sacramento, CA", a postcode, part of an address) or a box or a point and radius. */
  location?: string | { bbox: [number, number, number, number] } | { latitude: number; longitude: number; radius_km?: number; radius_mi?: number };
  /** [west, south, east, north] in degrees. */
  bbox?: [number, number, number, number];
  market?: string;
  beds?: Range;
  baths?: Range;
  floor_area?: Range;
  property_type?: string | string[];
  last_sale_price?: Range;
  last_sale_date?: { min?: string; max?: string };
  /** Listing status in ZillAPI; the register holds properties and sales, not listings, so it is not used. */
  status?: string;
}

export class SearchFilterError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PropertySummary {
  property_id: number;
  market: string;
  uprn: string | null;
  address: string | null;
  postcode: string | null;
  latitude: number;
  longitude: number;
  property_type: string | null;
  bedrooms: number | null;
  bathrooms: number | null;
  floor_area: number | null;
  last_sale: { date: string; price: number } | null;
  distance_km?: number;
}

const PAGE = 2000;
const KM_PER_MILE = 1.609344;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks the filters' meaning (the route's schema has checked their types); throws naming the field. */
export function checkSearchFilters(filters: SearchFilters): void {
  const ranges: Array<[string, Range | undefined]> = [
    ['filters.beds', filters.beds],
    ['filters.baths', filters.baths],
    ['filters.floor_area', filters.floor_area],
    ['filters.last_sale_price', filters.last_sale_price],
  ];
  for (const [field, range] of ranges) {
    if (range && range.min !== undefined && range.max !== undefined && range.min > range.max) throw new SearchFilterError(field, `${field}.min must not exceed ${field}.max`);
  }
  const dates = filters.last_sale_date;
  for (const end of ['min', 'max'] as const) {
    const value = dates?.[end];
    if (value !== undefined && (!DATE.test(value) || Number.isNaN(Date.parse(value)))) throw new SearchFilterError(`filters.last_sale_date.${end}`, `filters.last_sale_date.${end} must be a date written YYYY-MM-DD`);
  }
  const box = boxOf(filters);
  if (box) {
    const [west, south, east, north] = box.box;
    if (!(south <= north) || !(west <= east) || south < -90 || north > 90 || west < -180 || east > 180) {
      throw new SearchFilterError(box.field, `${box.field} must be [west, south, east, north] in degrees, west ≤ east and south ≤ north`);
    }
  }
  const loc = filters.location;
  if (loc && typeof loc === 'object' && 'latitude' in loc) {
    const radius = radiusKm(loc);
    if (!(radius > 0) || radius > 500) throw new SearchFilterError('filters.location.radius_km', 'filters.location needs radius_km (or radius_mi) above 0 and at most 500 km');
  }
  if (typeof loc === 'string' && loc.trim() === '') throw new SearchFilterError('filters.location', 'filters.location must not be empty');
}

function boxOf(filters: SearchFilters): { box: [number, number, number, number]; field: string } | null {
  if (filters.bbox) return { box: filters.bbox, field: 'filters.bbox' };
  const loc = filters.location;
  if (loc && typeof loc === 'object' && 'bbox' in loc) return { box: loc.bbox, field: 'filters.location.bbox' };
  return null;
}

function radiusKm(point: { radius_km?: number; radius_mi?: number }): number {
  return point.radius_km ?? (point.radius_mi !== undefined ? point.radius_mi * KM_PER_MILE : NaN);
}

function inRange(value: unknown, range: Range | undefined): boolean {
  if (!range) return true;
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.min(1, Math.sqrt(a)));
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Up to `maxItems` matching properties, in property id order. */
export async function searchProperties(db: Kysely<Database>, filters: SearchFilters, maxItems: number): Promise<PropertySummary[]> {
  checkSearchFilters(filters);
  const loc = filters.location;
  const place = typeof loc === 'string' ? loc.trim().toLowerCase() : null;
  const point = loc && typeof loc === 'object' && 'latitude' in loc ? { ...loc, km: radiusKm(loc) } : null;
  const box = boxOf(filters)?.box ?? null;
  const types = filters.property_type === undefined ? null : (Array.isArray(filters.property_type) ? filters.property_type : [filters.property_type]).map((t) => t.toLowerCase());
  const wantsSale = filters.last_sale_price !== undefined || filters.last_sale_date !== undefined;

  const out: PropertySummary[] = [];
  let afterId = 0;
  for (;;) {
    let query = db
      .selectFrom('properties as p')
      .select(['p.id', 'p.market_id', 'p.uprn', 'p.address', 'p.postcode', 'p.latitude', 'p.longitude', 'p.property_type', 'p.attributes'])
      .select((eb) => [
        eb.selectFrom('sales as s').select('s.price').whereRef('s.property_id', '=', 'p.id').orderBy('s.sale_date', 'desc').orderBy('s.id', 'desc').limit(1).as('last_price'),
        eb.selectFrom('sales as s').select('s.sale_date').whereRef('s.property_id', '=', 'p.id').orderBy('s.sale_date', 'desc').orderBy('s.id', 'desc').limit(1).as('last_date'),
      ])
      .where('p.id', '>', afterId)
      .orderBy('p.id')
      .limit(PAGE);
    if (filters.market) query = query.where('p.market_id', '=', filters.market);
    if (place) {
      const like = `%${place.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const postcodeKey = place.replace(/\s+/g, '').toUpperCase();
      query = query.where((eb) =>
        eb.or([
          eb('p.market_id', 'in', eb.selectFrom('markets as m').select('m.id').where((m) =>
            m.or([
              m(sql<string>`lower(m.name)`, 'like', sql<string>`${like} escape '\\'`),
              m(sql<string>`lower(m.id)`, '=', place),
              m(sql.val(place), 'like', sql<string>`'%' || lower(m.name) || '%'`),
            ]),
          )),
          eb(sql<string>`lower(p.address)`, 'like', sql<string>`${like} escape '\\'`),
          ...(postcodeKey.length >= 2 ? [eb('p.postcode_key', 'like', `${postcodeKey.replace(/[\\%_]/g, '')}%`)] : []),
        ]),
      );
    }
    if (box) query = query.where('p.longitude', '>=', box[0]).where('p.latitude', '>=', box[1]).where('p.longitude', '<=', box[2]).where('p.latitude', '<=', box[3]);
    if (point) {
      const dLat = point.km / 111.0;
      const dLon = point.km / (111.32 * Math.max(0.01, Math.cos((point.latitude * Math.PI) / 180)));
      query = query
        .where('p.latitude', '>=', point.latitude - dLat)
        .where('p.latitude', '<=', point.latitude + dLat)
        .where('p.longitude', '>=', point.longitude - dLon)
        .where('p.longitude', '<=', point.longitude + dLon);
    }
    if (types) query = query.where(sql<string>`lower(p.property_type)`, 'in', types);
    if (wantsSale) query = query.where((eb) => eb.exists(eb.selectFrom('sales as s').select('s.id').whereRef('s.property_id', '=', 'p.id')));
    const rows = await query.execute();
    for (const row of rows) {
      const attributes = parseObject(row.attributes);
      const bedrooms = numberOrNull(attributes.bedrooms);
      const bathrooms = numberOrNull(attributes.bathrooms);
      const floorArea = numberOrNull(attributes.floor_area);
      if (!inRange(bedrooms, filters.beds) || !inRange(bathrooms, filters.baths) || !inRange(floorArea, filters.floor_area)) continue;
      const lastPrice = row.last_price as number | null;
      const lastDate = row.last_date as string | null;
      if (!inRange(lastPrice, filters.last_sale_price)) continue;
      if (filters.last_sale_date) {
        if (lastDate === null) continue;
        if (filters.last_sale_date.min !== undefined && lastDate < filters.last_sale_date.min) continue;
        if (filters.last_sale_date.max !== undefined && lastDate > filters.last_sale_date.max) continue;
      }
      let distance: number | undefined;
      if (point) {
        distance = haversineKm(point.latitude, point.longitude, row.latitude, row.longitude);
        if (distance > point.km) continue;
      }
      out.push({
        property_id: row.id,
        market: row.market_id,
        uprn: row.uprn,
        address: row.address,
        postcode: row.postcode,
        latitude: row.latitude,
        longitude: row.longitude,
        property_type: row.property_type ?? (typeof attributes.property_type === 'string' ? attributes.property_type : null),
        bedrooms,
        bathrooms,
        floor_area: floorArea,
        last_sale: lastDate !== null && lastPrice !== null ? { date: lastDate, price: lastPrice } : null,
        ...(distance !== undefined ? { distance_km: Math.round(distance * 1000) / 1000 } : {}),
      });
      if (out.length >= maxItems) return out;
    }
    if (rows.length < PAGE) return out;
    afterId = rows[rows.length - 1]!.id;
  }
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
