// Finding register entries the ways callers identify a property: store id, UPRN, postcode and a partial
// address, or a free-text address. Partial matches escape LIKE wildcards so "50%" means fifty percent.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { PropertiesTable } from '../tables/core.js';
import { isPostgresDb } from '../database.js';
import { prepared } from './prepared.js';

export type PropertyRow = Selectable<PropertiesTable>;

const propertyById = prepared((db, id: number) => db.selectFrom('properties').selectAll().where('id', '=', id));

export async function findPropertyById(db: Kysely<Database>, id: number): Promise<PropertyRow | undefined> {
  return (await propertyById(db, id))[0];
}

export async function findPropertiesByIds(db: Kysely<Database>, ids: number[]): Promise<PropertyRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('properties').selectAll().where('id', 'in', ids).execute();
}

export async function findPropertiesByUprn(db: Kysely<Database>, uprn: string, limit: number): Promise<PropertyRow[]> {
  return db.selectFrom('properties').selectAll().where('uprn', '=', uprn).orderBy('id').limit(limit).execute();
}

/** `%text%` for LIKE with `\` as the escape character. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function addressContains(db: Kysely<Database>, text: string) {
  const pattern = containsPattern(text);
  return isPostgresDb(db) ? sql<boolean>`address ilike ${pattern} escape '\\'` : sql<boolean>`lower(address) like lower(${pattern}) escape '\\'`;
}

export async function findPropertiesByPostcode(db: Kysely<Database>, postcodeKey: string, address: string | null, limit: number): Promise<PropertyRow[]> {
  let query = db.selectFrom('properties').selectAll().where('postcode_key', '=', postcodeKey);
  if (address) query = query.where(addressContains(db, address));
  return query.orderBy('id').limit(limit).execute();
}

export async function findPropertiesByAddress(db: Kysely<Database>, address: string, limit: number, marketId?: string): Promise<PropertyRow[]> {
  let query = db.selectFrom('properties').selectAll().where(addressContains(db, address));
  if (marketId) query = query.where('market_id', '=', marketId);
  return query.orderBy('id').limit(limit).execute();
}

/** The property's latest sale strictly before the date (YYYY-MM-DD). */
const lastSaleBefore = prepared((db, propertyId: number, beforeDate: string) =>
  db
    .selectFrom('sales')
    .select(['sale_date', 'price'])
    .where('property_id', '=', propertyId)
    .where('sale_date', '<', beforeDate)
    .orderBy('sale_date', 'desc')
    .orderBy('id', 'desc')
    .limit(1),
);

export async function findLastSaleBefore(db: Kysely<Database>, propertyId: number, beforeDate: string) {
  return (await lastSaleBefore(db, propertyId, beforeDate))[0];
}

// One compiled query per list size bucket (ids padded with -1, which no row has).
const ADDRESS_BUCKETS = [8, 16, 32, 64];
const addressesByIds = ADDRESS_BUCKETS.map((size) =>
  prepared((db, ...ids: number[]) => db.selectFrom('properties').select(['id', 'address', 'postcode', 'uprn']).where('id', 'in', ids)),
);

/** Addresses of the properties behind comparables (sale ids → property rows are reported by the engine). */
export async function findAddresses(db: Kysely<Database>, propertyIds: number[]): Promise<Map<number, { address: string | null; postcode: string | null; uprn: string | null }>> {
  if (propertyIds.length === 0) return new Map();
  const bucket = ADDRESS_BUCKETS.findIndex((size) => size >= propertyIds.length);
  const rows =
    bucket >= 0
      ? await addressesByIds[bucket]!(db, ...propertyIds, ...new Array<number>(ADDRESS_BUCKETS[bucket]! - propertyIds.length).fill(-1))
      : await db.selectFrom('properties').select(['id', 'address', 'postcode', 'uprn']).where('id', 'in', propertyIds).execute();
  return new Map(rows.map((r) => [r.id, { address: r.address, postcode: r.postcode, uprn: r.uprn }]));
}
