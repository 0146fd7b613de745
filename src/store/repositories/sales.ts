// SQL for a market's properties and sales: chunked upserts for the importer (keyed by the source's ids, so
// importing a file twice changes nothing) and the column read that builds the engine's SalesFrame.
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../database.js';
import type { Database } from '../schema.js';

export interface PropertyUpsert {
  sourceKey: string;
  address: string | null;
  postcode: string | null;
  latitude: number;
  longitude: number;
  propertyType: string | null;
  /** JSON */
  attributes: string;
}

/** Inserts or updates properties by (market, source key); returns each source key's id. Keys must be distinct. */
export async function upsertProperties(db: Kysely<Database>, marketId: string, rows: PropertyUpsert[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (rows.length === 0) return ids;
  const now = new Date().toISOString();
  const returned = await db
    .insertInto('properties')
    .values(
      rows.map((r) => ({
        market_id: marketId,
        source_key: r.sourceKey,
        uprn: null,
        address: r.address,
        postcode: r.postcode,
        postcode_key: r.postcode ? r.postcode.replace(/\s+/g, '').toUpperCase() : null,
        latitude: r.latitude,
        longitude: r.longitude,
        property_type: r.propertyType,
        attributes: r.attributes,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['market_id', 'source_key']).doUpdateSet((eb) => ({
        address: eb.fn.coalesce(eb.ref('excluded.address'), eb.ref('properties.address')),
        postcode: eb.fn.coalesce(eb.ref('excluded.postcode'), eb.ref('properties.postcode')),
        postcode_key: eb.fn.coalesce(eb.ref('excluded.postcode_key'), eb.ref('properties.postcode_key')),
        latitude: eb.ref('excluded.latitude'),
        longitude: eb.ref('excluded.longitude'),
        property_type: eb.ref('excluded.property_type'),
        attributes: eb.ref('excluded.attributes'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returning(['id', 'source_key'])
    .execute();
  for (const r of returned) ids.set(r.source_key, r.id);
  return ids;
}

export interface SaleUpsert {
  propertyId: number;
  sourceKey: string;
  saleDate: string;
  price: number;
  isMarket: boolean;
  nonMarketReason: string | null;
  /** JSON */
  attributes: string;
}

/** Inserts or replaces sales by (market, source key). Keys must be distinct. */
export async function upsertSales(db: Kysely<Database>, marketId: string, rows: SaleUpsert[]): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date().toISOString();
  await db
    .insertInto('sales')
    .values(
      rows.map((r) => ({
        market_id: marketId,
        property_id: r.propertyId,
        source_key: r.sourceKey,
        sale_date: r.saleDate,
        price: r.price,
        is_market: r.isMarket ? 1 : 0,
        non_market_reason: r.nonMarketReason,
        attributes: r.attributes,
        created_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['market_id', 'source_key']).doUpdateSet((eb) => ({
        property_id: eb.ref('excluded.property_id'),
        sale_date: eb.ref('excluded.sale_date'),
        price: eb.ref('excluded.price'),
        is_market: eb.ref('excluded.is_market'),
        non_market_reason: eb.ref('excluded.non_market_reason'),
        attributes: eb.ref('excluded.attributes'),
      })),
    )
    .execute();
}

/**
 * A property's attributes are those of its latest sale. Each import chunk sets them from its own rows, so a
 * property sold in two chunks (or two files) is put right here, once, at the end of an import.
 */
export async function refreshRepeatSaleProperties(db: Kysely<Database>, dialect: DialectName, marketId: string): Promise<void> {
  const latest = sql`(select s.attributes from sales s where s.property_id = properties.id order by s.sale_date desc, s.id desc limit 1)`;
  const typeOf =
    dialect === 'postgres'
      ? sql`(select s.attributes::json->>'property_type' from sales s where s.property_id = properties.id order by s.sale_date desc, s.id desc limit 1)`
      : sql`(select json_extract(s.attributes, '$.property_type') from sales s where s.property_id = properties.id order by s.sale_date desc, s.id desc limit 1)`;
  await sql`update properties set attributes = ${latest}, property_type = ${typeOf}
    where market_id = ${marketId}
      and id in (select property_id from sales where market_id = ${marketId} group by property_id having count(*) > 1)`.execute(db);
}

export interface SaleCounts {
  sales: number;
  marketSales: number;
  properties: number;
}

export async function countMarketSales(db: Kysely<Database>, marketId: string): Promise<SaleCounts> {
  const s = await db
    .selectFrom('sales')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('is_market').as('m')])
    .where('market_id', '=', marketId)
    .executeTakeFirstOrThrow();
  const p = await db
    .selectFrom('properties')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('market_id', '=', marketId)
    .executeTakeFirstOrThrow();
  return { sales: Number(s.n), marketSales: Number(s.m ?? 0), properties: Number(p.n) };
}

/** One sale as the engine's frame is built from it (services/markets/load-sales-frame.ts). */
export interface FrameRow {
  id: number;
  property_id: number;
  sale_date: string;
  price: number;
  is_market: number;
  /** JSON of feature values by name. */
  attributes: string;
  latitude: number;
  longitude: number;
}

/** Every sale of the market on or before `until` (all when undefined), by sale date then id. */
export async function selectFrameRows(db: Kysely<Database>, marketId: string, until?: string): Promise<FrameRow[]> {
  let query = db
    .selectFrom('sales as s')
    .innerJoin('properties as p', 'p.id', 's.property_id')
    .select(['s.id', 's.property_id', 's.sale_date', 's.price', 's.is_market', 's.attributes', 'p.latitude', 'p.longitude'])
    .where('s.market_id', '=', marketId);
  if (until !== undefined) query = query.where('s.sale_date', '<=', until);
  return query.orderBy('s.sale_date').orderBy('s.id').execute();
}
