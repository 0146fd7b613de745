// SQL for the UK open-data importers and the register: postcode and UPRN coordinates, EPC certificates,
// the register lookups and the Price Paid import's progress (its writer is price-paid-writer.ts).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { MarketConfig } from '../../engine/types.js';
import type { Database } from '../schema.js';
import type { UkEpcCertificatesTable } from '../tables/uk.js';

type Db = Kysely<Database> | Transaction<Database>;

const CHUNK = 500;

function chunks<T>(rows: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------- markets

/** Creates the market with this config unless it exists; returns the stored config. */
export async function ensureUkMarketRow(db: Db, config: MarketConfig): Promise<MarketConfig> {
  const now = new Date().toISOString();
  await db
    .insertInto('markets')
    .values({ id: config.id, name: config.name, config: JSON.stringify(config), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const row = await db.selectFrom('markets').select('config').where('id', '=', config.id).executeTakeFirstOrThrow();
  return JSON.parse(row.config) as MarketConfig;
}

export async function saveMarketConfig(db: Db, config: MarketConfig): Promise<void> {
  await db
    .updateTable('markets')
    .set({ name: config.name, config: JSON.stringify(config), updated_at: new Date().toISOString() })
    .where('id', '=', config.id)
    .execute();
}

export async function countMarketSales(db: Db, marketId: string): Promise<number> {
  const row = await db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('market_id', '=', marketId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Sales per property type in a market (for "houses" → its most common house type). */
export async function countSalesByPropertyType(db: Db, marketId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('sales')
    .innerJoin('properties', 'properties.id', 'sales.property_id')
    .select((eb) => ['properties.property_type as type', eb.fn.countAll<number>().as('n')])
    .where('sales.market_id', '=', marketId)
    .groupBy('properties.property_type')
    .execute();
  return new Map(rows.map((r) => [r.type ?? '', Number(r.n)]));
}

// -------------------------------------------------------------------------------------------- postcodes

export interface PostcodeRow {
  postcodeKey: string;
  postcode: string;
  latitude: number;
  longitude: number;
  easting: number | null;
  northing: number | null;
  quality: number | null;
  source: string;
}

export async function upsertPostcodes(db: Db, rows: PostcodeRow[]): Promise<void> {
  const now = new Date().toISOString();
  for (const part of chunks(rows)) {
    await db
      .insertInto('uk_postcodes')
      .values(
        part.map((r) => ({
          postcode_key: r.postcodeKey,
          postcode: r.postcode,
          latitude: r.latitude,
          longitude: r.longitude,
          easting: r.easting,
          northing: r.northing,
          quality: r.quality,
          source: r.source,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.column('postcode_key').doUpdateSet((eb) => ({
          postcode: eb.ref('excluded.postcode'),
          latitude: eb.ref('excluded.latitude'),
          longitude: eb.ref('excluded.longitude'),
          easting: eb.ref('excluded.easting'),
          northing: eb.ref('excluded.northing'),
          quality: eb.ref('excluded.quality'),
          source: eb.ref('excluded.source'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** Every postcode centroid, key → [latitude, longitude]. */
export async function loadPostcodeCentroids(db: Db): Promise<Map<string, [number, number]>> {
  const rows = await db.selectFrom('uk_postcodes').select(['postcode_key', 'latitude', 'longitude']).execute();
  return new Map(rows.map((r) => [r.postcode_key, [r.latitude, r.longitude]]));
}

export async function findPostcode(db: Db, postcodeKey: string) {
  return db.selectFrom('uk_postcodes').selectAll().where('postcode_key', '=', postcodeKey).executeTakeFirst();
}

// ------------------------------------------------------------------------------------------------ UPRNs

export interface UprnRow {
  uprn: string;
  latitude: number;
  longitude: number;
  easting: number | null;
  northing: number | null;
}

export async function upsertUprns(db: Db, rows: UprnRow[]): Promise<void> {
  const now = new Date().toISOString();
  for (const part of chunks(rows)) {
    await db
      .insertInto('uk_uprns')
      .values(part.map((r) => ({ ...r, updated_at: now })))
      .onConflict((oc) =>
        oc.column('uprn').doUpdateSet((eb) => ({
          latitude: eb.ref('excluded.latitude'),
          longitude: eb.ref('excluded.longitude'),
          easting: eb.ref('excluded.easting'),
          northing: eb.ref('excluded.northing'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** Coordinates of the given UPRNs that are known. */
export async function loadUprnCoordinates(db: Db, uprns: readonly string[]): Promise<Map<string, [number, number]>> {
  const out = new Map<string, [number, number]>();
  for (const part of chunks([...new Set(uprns)], 1000)) {
    const rows = await db.selectFrom('uk_uprns').select(['uprn', 'latitude', 'longitude']).where('uprn', 'in', part).execute();
    for (const r of rows) out.set(r.uprn, [r.latitude, r.longitude]);
  }
  return out;
}

// ----------------------------------------------------------------------------------------- certificates

export type EpcCertificateRow = Omit<UkEpcCertificatesTable, 'created_at' | 'property_id'>;

export async function upsertEpcCertificates(db: Db, rows: EpcCertificateRow[]): Promise<void> {
  const now = new Date().toISOString();
  for (const part of chunks(rows, 300)) {
    await db
      .insertInto('uk_epc_certificates')
      .values(part.map((r) => ({ ...r, property_id: null, created_at: now })))
      .onConflict((oc) =>
        oc.columns(['market_id', 'lmk_key']).doUpdateSet((eb) => ({
          uprn: eb.ref('excluded.uprn'),
          address: eb.ref('excluded.address'),
          postcode: eb.ref('excluded.postcode'),
          postcode_key: eb.ref('excluded.postcode_key'),
          address_key: eb.ref('excluded.address_key'),
          lodgement_date: eb.ref('excluded.lodgement_date'),
          inspection_date: eb.ref('excluded.inspection_date'),
          floor_area: eb.ref('excluded.floor_area'),
          habitable_rooms: eb.ref('excluded.habitable_rooms'),
          property_type: eb.ref('excluded.property_type'),
          built_form: eb.ref('excluded.built_form'),
          construction_period: eb.ref('excluded.construction_period'),
          energy_rating: eb.ref('excluded.energy_rating'),
          tenure: eb.ref('excluded.tenure'),
        })),
      )
      .execute();
  }
}

export async function countEpcCertificates(db: Db, marketId: string): Promise<number> {
  const row = await db
    .selectFrom('uk_epc_certificates')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('market_id', '=', marketId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function loadEpcCertificates(db: Db, marketId: string) {
  return db.selectFrom('uk_epc_certificates').selectAll().where('market_id', '=', marketId).orderBy('lmk_key').execute();
}

export async function setCertificateProperties(db: Db, marketId: string, links: Array<{ lmkKey: string; propertyId: number | null }>): Promise<void> {
  for (const part of chunks(links, 400)) {
    const values = sql.join(part.map((l) => sql`(${l.lmkKey}, ${l.propertyId})`));
    await sql`update uk_epc_certificates set property_id = cast(v.column2 as integer)
      from (values ${values}) as v where uk_epc_certificates.market_id = ${marketId} and uk_epc_certificates.lmk_key = v.column1`.execute(db);
  }
}

// ------------------------------------------------------------------------------------- register reading

export interface RegisterProperty {
  id: number;
  source_key: string;
  uprn: string | null;
  postcode_key: string | null;
  latitude: number;
  longitude: number;
  attributes: string;
}

export async function loadRegister(db: Db, marketId: string): Promise<RegisterProperty[]> {
  return db
    .selectFrom('properties')
    .select(['id', 'source_key', 'uprn', 'postcode_key', 'latitude', 'longitude', 'attributes'])
    .where('market_id', '=', marketId)
    .orderBy('id')
    .execute();
}

export async function loadRegisterKeys(db: Db, marketId: string): Promise<Array<{ id: number; source_key: string; postcode_key: string | null }>> {
  return db.selectFrom('properties').select(['id', 'source_key', 'postcode_key']).where('market_id', '=', marketId).execute();
}

/** A market's sales in id order, `limit` at a time after `afterId` (keyset paging: memory stays bounded). */
export async function loadSalesPage(db: Db, marketId: string, afterId: number, limit: number) {
  return db
    .selectFrom('sales')
    .select(['id', 'property_id', 'sale_date', 'attributes'])
    .where('market_id', '=', marketId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export interface NewRegisterProperty {
  sourceKey: string;
  uprn: string | null;
  address: string;
  postcode: string | null;
  postcodeKey: string | null;
  latitude: number;
  longitude: number;
  propertyType: string | null;
  attributes: string;
}

/** Inserts properties (an existing source key keeps its row and id); returns source key → id. */
export async function insertRegisterProperties(db: Db, marketId: string, rows: NewRegisterProperty[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const now = new Date().toISOString();
  for (const part of chunks(rows)) {
    const returned = await db
      .insertInto('properties')
      .values(
        part.map((r) => ({
          market_id: marketId,
          source_key: r.sourceKey,
          uprn: r.uprn,
          address: r.address,
          postcode: r.postcode,
          postcode_key: r.postcodeKey,
          latitude: r.latitude,
          longitude: r.longitude,
          property_type: r.propertyType,
          attributes: r.attributes,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['market_id', 'source_key']).doUpdateSet((eb) => ({ updated_at: eb.ref('excluded.updated_at') })))
      .returning(['id', 'source_key'])
      .execute();
    for (const r of returned) ids.set(r.source_key, r.id);
  }
  return ids;
}

export interface RegisterPropertyUpdate {
  id: number;
  uprn: string | null;
  latitude: number;
  longitude: number;
  propertyType: string | null;
  attributes: string;
}

export async function updateRegisterProperties(db: Db, rows: RegisterPropertyUpdate[]): Promise<void> {
  const now = new Date().toISOString();
  for (const part of chunks(rows, 300)) {
    const values = sql.join(part.map((r) => sql`(${r.id}, ${r.uprn}, ${r.latitude}, ${r.longitude}, ${r.propertyType}, ${r.attributes})`));
    await sql`update properties set uprn = v.column2, latitude = cast(v.column3 as double precision),
      longitude = cast(v.column4 as double precision), property_type = v.column5, attributes = v.column6, updated_at = ${now}
      from (values ${values}) as v where properties.id = cast(v.column1 as integer)`.execute(db);
  }
}

export async function updateSaleAttributes(db: Db, rows: Array<{ id: number; attributes: string }>): Promise<void> {
  for (const part of chunks(rows, 500)) {
    const values = sql.join(part.map((r) => sql`(${r.id}, ${r.attributes})`));
    await sql`update sales set attributes = v.column2 from (values ${values}) as v where sales.id = cast(v.column1 as integer)`.execute(db);
  }
}

// -------------------------------------------------------------------------------------------- lookups

export interface UkPropertyRecord {
  id: number;
  market_id: string;
  uprn: string | null;
  address: string | null;
  postcode: string | null;
  postcode_key: string | null;
  latitude: number;
  longitude: number;
  property_type: string | null;
  attributes: string;
}

const LOOKUP_COLUMNS = ['id', 'market_id', 'uprn', 'address', 'postcode', 'postcode_key', 'latitude', 'longitude', 'property_type', 'attributes'] as const;

export async function findPropertiesByUprn(db: Db, uprn: string, marketId?: string): Promise<UkPropertyRecord[]> {
  let q = db.selectFrom('properties').select(LOOKUP_COLUMNS).where('uprn', '=', uprn);
  if (marketId) q = q.where('market_id', '=', marketId);
  return q.orderBy('id').execute();
}

/** A postcode's properties; `address` narrows them case-insensitively (Gadsden's ILIKE '%…%'). */
export async function findPropertiesByPostcode(db: Db, postcodeKey: string, address?: string, marketId?: string): Promise<UkPropertyRecord[]> {
  let q = db.selectFrom('properties').select(LOOKUP_COLUMNS).where('postcode_key', '=', postcodeKey);
  if (marketId) q = q.where('market_id', '=', marketId);
  const rows = await q.orderBy('id').execute();
  const wanted = (address ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
  if (!wanted) return rows;
  return rows.filter((r) => (r.address ?? '').toLowerCase().replace(/\s+/g, ' ').includes(wanted));
}

// ------------------------------------------------------------------------------- Price Paid import state

export async function readImportProgress(db: Db, marketId: string, kind: string, fingerprint: string) {
  return db
    .selectFrom('uk_import_progress')
    .selectAll()
    .where('market_id', '=', marketId)
    .where('kind', '=', kind)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
}

/** Whether the market holds any sale (an import into an empty market may take the bulk path). */
export async function marketHasSales(db: Db, marketId: string): Promise<boolean> {
  const row = await db.selectFrom('sales').select('id').where('market_id', '=', marketId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Sales of every market (a bulk import rebuilds indexes over all of them). */
export async function countAllSales(db: Db): Promise<number> {
  const row = await db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}
