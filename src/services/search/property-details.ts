// Property detail records (ZillAPI's detail results) read from the register: the property, its market and
// its recorded sales, newest first.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

export interface PropertyDetail {
  property_id: number;
  market: string;
  uprn: string | null;
  address: string | null;
  postcode: string | null;
  latitude: number;
  longitude: number;
  property_type: string | null;
  attributes: Record<string, unknown>;
  last_sale: { date: string; price: number } | null;
  sales: Array<{ sale_id: number; date: string; price: number; is_market: boolean }>;
}

const CHUNK = 500;

/** Details for these property ids (those that exist), keyed by id. */
export async function loadPropertyDetails(db: Kysely<Database>, ids: number[]): Promise<Map<number, PropertyDetail>> {
  const out = new Map<number, PropertyDetail>();
  const unique = [...new Set(ids.filter((id) => Number.isSafeInteger(id)))];
  for (let start = 0; start < unique.length; start += CHUNK) {
    const slice = unique.slice(start, start + CHUNK);
    const properties = await db.selectFrom('properties').selectAll().where('id', 'in', slice).execute();
    const sales = await db
      .selectFrom('sales')
      .select(['id', 'property_id', 'sale_date', 'price', 'is_market'])
      .where('property_id', 'in', slice)
      .orderBy('sale_date', 'desc')
      .orderBy('id', 'desc')
      .execute();
    for (const p of properties) {
      out.set(p.id, {
        property_id: p.id,
        market: p.market_id,
        uprn: p.uprn,
        address: p.address,
        postcode: p.postcode,
        latitude: p.latitude,
        longitude: p.longitude,
        property_type: p.property_type,
        attributes: parseObject(p.attributes),
        last_sale: null,
        sales: [],
      });
    }
    for (const s of sales) {
      const detail = out.get(s.property_id);
      if (!detail) continue;
      detail.sales.push({ sale_id: s.id, date: s.sale_date, price: s.price, is_market: s.is_market === 1 });
      if (!detail.last_sale) detail.last_sale = { date: s.sale_date, price: s.price };
    }
  }
  return out;
}

/** Property ids for these UPRNs (the first registered property with each). */
export async function propertyIdsByUprn(db: Kysely<Database>, uprns: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Set(uprns)];
  for (let start = 0; start < unique.length; start += CHUNK) {
    const rows = await db.selectFrom('properties').select(['id', 'uprn']).where('uprn', 'in', unique.slice(start, start + CHUNK)).orderBy('id').execute();
    for (const r of rows) if (r.uprn !== null && !out.has(r.uprn)) out.set(r.uprn, r.id);
  }
  return out;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
