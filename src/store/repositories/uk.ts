// SQL for the UK open-data importers and the register: postcode and UPRN coordinates, EPC certificates,
// the Price Paid writer and the register lookups. The Price Paid writer is the one place that bypasses
// Kysely: on SQLite it runs better-sqlite3 statements on a second connection to the same file (WAL), a
// batch's sales in one statement; on PostgreSQL it sends chunked multi-row statements through Kysely.
import SQLite from 'better-sqlite3';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { MarketConfig } from '../../engine/types.js';
import type { Store } from '../database.js';
import type { Database } from '../schema.js';
import type { UkEpcCertificatesTable } from '../tables/uk.js';
import { upsertSales } from './sales.js';

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

// ------------------------------------------------------------------------------- Price Paid bulk writer

export interface PricePaidProperty {
  sourceKey: string;
  address: string;
  postcode: string;
  postcodeKey: string;
  latitude: number;
  longitude: number;
  propertyType: string | null;
  attributes: string;
}

/** What a sale record says besides its id, date and price: few distinct values, so each is stored once. */
export interface PricePaidSaleKind {
  attributes: string;
  isMarket: number;
  nonMarketReason: string | null;
}

/**
 * A batch's sales as parallel columns (no object per row). `propertyRef` is an existing property id (≥ 0)
 * or -(i + 1) for `newProperties[i]` of the same batch; `kind` indexes the writer's sale kinds; a
 * `sourceKey` of '' marks a record replaced later in the batch (skipped).
 */
export interface PricePaidSales {
  sourceKey: string[];
  propertyRef: number[];
  saleDate: string[];
  price: number[];
  kind: number[];
}

export interface PricePaidBatch {
  newProperties: PricePaidProperty[];
  /** Distinct source keys, disjoint from `deletions` (the last record of a key in a batch wins). */
  sales: PricePaidSales;
  deletions: string[];
  progress: { fingerprint: string; offset: number; line: number; done: boolean } | null;
}

export interface PricePaidBatchResult {
  /** Ids of `newProperties`, in order. */
  propertyIds: number[];
  /** How many of `deletions` existed. */
  deleted: number;
}

export interface PricePaidWriterOptions {
  saleKinds: readonly PricePaidSaleKind[];
  /**
   * SQLite only: the whole import is one transaction, and the secondary indexes of `sales` and `properties`
   * are dropped at the start and built again at the end (sorting once is far cheaper than millions of
   * random index inserts). Other connections keep reading the committed tables, indexes included; other
   * writers wait until the import commits.
   */
  bulk: boolean;
}

export interface PricePaidWriter {
  write(batch: PricePaidBatch): Promise<PricePaidBatchResult>;
  /** Commits what a bulk writer holds (building its indexes); nothing to do otherwise. */
  finish(): Promise<void>;
  /** Releases the writer; a bulk import not finished is rolled back. */
  close(): Promise<void>;
}

export async function readImportProgress(db: Db, marketId: string, kind: string, fingerprint: string) {
  return db
    .selectFrom('uk_import_progress')
    .selectAll()
    .where('market_id', '=', marketId)
    .where('kind', '=', kind)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
}

export function openPricePaidWriter(store: Store, marketId: string, options: PricePaidWriterOptions): PricePaidWriter {
  return store.dialect === 'sqlite' && store.location !== ':memory:' ? sqlitePricePaidWriter(store.location, marketId, options) : kyselyPricePaidWriter(store.db, marketId, options);
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

// Each sale travels to SQLite as a fixed-width ASCII record in one blob per batch, expanded by a single
// INSERT … SELECT: one statement per batch instead of one call per row, and SQLite sorts the batch by
// transaction id so the unique index is written in order. Layout (1-based columns): property id 1–10,
// key length 11–12, key 13–52, date 53–62, price 63–74, kind 75–77.
const SALE_RECORD = 77;
const KEY_WIDTH = 40;
const PRICE_LIMIT = 1e12;

function sqlitePricePaidWriter(location: string, marketId: string, options: PricePaidWriterOptions): PricePaidWriter {
  const conn = new SQLite(location);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('busy_timeout = 10000');
  // Measured on 5 million rows: 256 MiB of page cache holds a batched import's hot index pages; a bulk
  // import's final sorted insert and index builds use 512 MiB.
  conn.pragma(options.bulk ? 'cache_size = -524288' : 'cache_size = -262144');
  // The bulk path writes only property ids it inserted itself and the market row it made, inside one
  // transaction that holds the write lock, so the per-row foreign-key lookups prove nothing there.
  conn.pragma(options.bulk ? 'foreign_keys = OFF' : 'foreign_keys = ON');
  // Index builds sort with a helper thread.
  conn.pragma('threads = 2');

  conn.exec('create temp table if not exists ppd_rows (i integer primary key)');
  conn.exec('create temp table if not exists ppd_sale_kinds (code integer primary key, attributes text not null, is_market integer not null, non_market_reason text)');
  conn.exec('delete from temp.ppd_sale_kinds');
  const addKind = conn.prepare('insert into temp.ppd_sale_kinds values (?, ?, ?, ?)');
  options.saleKinds.forEach((k, i) => addKind.run(i, k.attributes, k.isMarket, k.nonMarketReason));
  let rowCapacity = 0;
  const ensureRows = (n: number) => {
    if (n <= rowCapacity) return;
    conn.prepare('insert into temp.ppd_rows with recursive r(i) as (select ? union all select i + 1 from r where i + 1 < ?) select i from r').run(rowCapacity, n);
    rowCapacity = n;
  };

  const insertProperty = conn.prepare(
    `insert into properties (market_id, source_key, uprn, address, postcode, postcode_key, latitude, longitude, property_type, attributes, created_at, updated_at)
     values (?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (market_id, source_key) do nothing`,
  );
  const findProperty = conn.prepare(`select id from properties where market_id = ? and source_key = ?`);
  const saleUpdate = `on conflict (market_id, source_key) do update set property_id = excluded.property_id, sale_date = excluded.sale_date,
       price = excluded.price, is_market = excluded.is_market, non_market_reason = excluded.non_market_reason, attributes = excluded.attributes`;
  const insertSaleRecords = conn.prepare(
    `insert into sales (market_id, property_id, source_key, sale_date, price, is_market, non_market_reason, attributes, created_at)
     select @market, cast(cast(substr(@rows, r.o + 1, 10) as text) as integer),
       cast(substr(@rows, r.o + 13, cast(cast(substr(@rows, r.o + 11, 2) as text) as integer)) as text),
       cast(substr(@rows, r.o + 53, 10) as text), cast(cast(substr(@rows, r.o + 63, 12) as text) as integer),
       k.is_market, k.non_market_reason, k.attributes, @now
     from (select i * ${SALE_RECORD} as o from temp.ppd_rows where i < @count) as r
       join temp.ppd_sale_kinds as k on k.code = cast(cast(substr(@rows, r.o + 75, 3) as text) as integer)
     where true order by 3
     ${saleUpdate}`,
  );
  // Keys or prices that do not fit the record go one by one.
  const upsertSale = conn.prepare(
    `insert into sales (market_id, property_id, source_key, sale_date, price, is_market, non_market_reason, attributes, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?) ${saleUpdate}`,
  );
  const deleteSale = conn.prepare(`delete from sales where market_id = ? and source_key = ?`);

  // A bulk import stages its sales in a temporary table with no index and inserts them once, at the end, in
  // transaction-id order: the unique index then grows at one end. Inserted batch by batch, each batch's ids
  // land all over that index, so every batch rewrote most of its pages (measured: the cost per row grew
  // with the rows already loaded, to several times the rest of the import at 5 million rows).
  if (options.bulk) {
    conn.exec('drop table if exists temp.ppd_staged_sales');
    conn.exec('create temp table ppd_staged_sales (seq integer primary key, property_id integer not null, source_key text not null, sale_date text not null, price integer not null, kind integer not null)');
  }
  const stageSaleRecords = options.bulk
    ? conn.prepare(
        `insert into temp.ppd_staged_sales (property_id, source_key, sale_date, price, kind)
         select cast(cast(substr(@rows, r.o + 1, 10) as text) as integer),
           cast(substr(@rows, r.o + 13, cast(cast(substr(@rows, r.o + 11, 2) as text) as integer)) as text),
           cast(substr(@rows, r.o + 53, 10) as text), cast(cast(substr(@rows, r.o + 63, 12) as text) as integer),
           cast(cast(substr(@rows, r.o + 75, 3) as text) as integer)
         from (select i * ${SALE_RECORD} as o from temp.ppd_rows where i < @count) as r`,
      )
    : null;
  const stageSale = options.bulk ? conn.prepare('insert into temp.ppd_staged_sales (property_id, source_key, sale_date, price, kind) values (?, ?, ?, ?, ?)') : null;
  // The monthly files' D records delete sales staged by earlier batches; the key index is made only when
  // the first one comes (the national file has none).
  let stagedKeyIndex = false;
  const deleteStaged = () => {
    if (!stagedKeyIndex) conn.exec('create index temp.ppd_staged_sales_key on ppd_staged_sales (source_key)');
    stagedKeyIndex = true;
    return conn.prepare('delete from temp.ppd_staged_sales where source_key = ?');
  };
  let deleteStagedSale: SQLite.Statement | null = null;
  const saveProgress = conn.prepare(
    `insert into uk_import_progress (market_id, kind, fingerprint, "offset", line, done, updated_at) values (?, 'ppd', ?, ?, ?, ?, ?)
     on conflict (market_id, kind, fingerprint) do update set "offset" = excluded."offset", line = excluded.line, done = excluded.done, updated_at = excluded.updated_at`,
  );
  let records = Buffer.alloc(0);

  const run = conn.transaction((batch: PricePaidBatch): PricePaidBatchResult => {
    const now = new Date().toISOString();
    const propertyIds: number[] = new Array(batch.newProperties.length);
    // In key order, so the unique index on (market, key) is written in runs rather than at random.
    const order = batch.newProperties.map((_, i) => i);
    order.sort((a, b) => (batch.newProperties[a]!.sourceKey < batch.newProperties[b]!.sourceKey ? -1 : 1));
    for (const i of order) {
      const p = batch.newProperties[i]!;
      const r = insertProperty.run(marketId, p.sourceKey, p.address, p.postcode, p.postcodeKey, p.latitude, p.longitude, p.propertyType, p.attributes, now, now);
      // Another writer may have registered the same address since this import loaded the register.
      propertyIds[i] = r.changes === 1 ? Number(r.lastInsertRowid) : (findProperty.get(marketId, p.sourceKey) as { id: number }).id;
    }

    const { sourceKey, propertyRef, saleDate, price, kind } = batch.sales;
    const total = sourceKey.length;
    if (records.length < total * SALE_RECORD) records = Buffer.alloc(Math.max(total, 1024) * SALE_RECORD);
    let count = 0;
    for (let i = 0; i < total; i++) {
      const key = sourceKey[i]!;
      if (key === '') continue;
      const ref = propertyRef[i]!;
      const propertyId = ref >= 0 ? ref : propertyIds[-ref - 1]!;
      const o = count * SALE_RECORD;
      const keyBytes = key.length <= KEY_WIDTH ? records.write(key, o + 12, KEY_WIDTH, 'utf8') : -1;
      if (keyBytes !== key.length || price[i]! >= PRICE_LIMIT) {
        const k = options.saleKinds[kind[i]!]!;
        if (stageSale) stageSale.run(propertyId, key, saleDate[i], price[i], kind[i]);
        else upsertSale.run(marketId, propertyId, key, saleDate[i], price[i], k.isMarket, k.nonMarketReason, k.attributes, now);
        continue;
      }
      writeDigits(records, o, 10, propertyId);
      writeDigits(records, o + 10, 2, keyBytes);
      records.write(saleDate[i]!, o + 52, 10, 'latin1');
      writeDigits(records, o + 62, 12, price[i]!);
      writeDigits(records, o + 74, 3, kind[i]!);
      count++;
    }
    if (count > 0) {
      ensureRows(count);
      const rows = records.subarray(0, count * SALE_RECORD);
      if (stageSaleRecords) stageSaleRecords.run({ rows, count });
      else insertSaleRecords.run({ market: marketId, rows, count, now });
    }

    let deleted = 0;
    for (const key of batch.deletions) {
      if (options.bulk) deleted += (deleteStagedSale ??= deleteStaged()).run(key).changes;
      else deleted += deleteSale.run(marketId, key).changes;
    }
    if (batch.progress) saveProgress.run(marketId, batch.progress.fingerprint, batch.progress.offset, batch.progress.line, batch.progress.done ? 1 : 0, now);
    return { propertyIds, deleted };
  });

  // The secondary indexes a bulk import drops and builds again, as their own SQL says (so a later migration
  // that changes one is followed).
  let rebuild: string[] = [];
  if (options.bulk) {
    conn.exec('begin immediate');
    const indexes = conn
      .prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name in ('sales', 'properties') and sql is not null order by name`)
      .all() as Array<{ name: string; sql: string }>;
    for (const index of indexes) conn.exec(`drop index "${index.name.replace(/"/g, '""')}"`);
    rebuild = indexes.map((index) => index.sql);
  }
  return {
    async write(batch) {
      return options.bulk ? run(batch) : run.immediate(batch);
    },
    async finish() {
      if (!options.bulk || !conn.inTransaction) return;
      // Later records of an id replace earlier ones (a C record), so ties go in file order.
      conn
        .prepare(
          `insert into sales (market_id, property_id, source_key, sale_date, price, is_market, non_market_reason, attributes, created_at)
           select ?, s.property_id, s.source_key, s.sale_date, s.price, k.is_market, k.non_market_reason, k.attributes, ?
           from temp.ppd_staged_sales as s join temp.ppd_sale_kinds as k on k.code = s.kind
           where true order by s.source_key, s.seq
           ${saleUpdate}`,
        )
        .run(marketId, new Date().toISOString());
      conn.exec('drop table temp.ppd_staged_sales');
      for (const statement of rebuild) conn.exec(statement);
      conn.exec('commit');
    },
    async close() {
      if (conn.inTransaction) conn.exec('rollback');
      conn.close();
    },
  };
}

/** `value` as `width` decimal digits, zero-padded, at `offset` (value < 10^width). */
function writeDigits(buf: Buffer, offset: number, width: number, value: number): void {
  for (let i = offset + width - 1; i >= offset; i--) {
    const q = Math.floor(value / 10);
    buf[i] = 48 + value - q * 10;
    value = q;
  }
}

function kyselyPricePaidWriter(db: Kysely<Database>, marketId: string, options: PricePaidWriterOptions): PricePaidWriter {
  return {
    async write(batch) {
      return db.transaction().execute(async (trx) => {
        const now = new Date().toISOString();
        const ids = await insertRegisterProperties(
          trx,
          marketId,
          batch.newProperties.map((p) => ({ ...p, uprn: null })),
        );
        const propertyIds = batch.newProperties.map((p) => ids.get(p.sourceKey)!);
        const { sourceKey, propertyRef, saleDate, price, kind } = batch.sales;
        const sales = [];
        for (let i = 0; i < sourceKey.length; i++) {
          if (sourceKey[i] === '') continue;
          const ref = propertyRef[i]!;
          const k = options.saleKinds[kind[i]!]!;
          sales.push({
            propertyId: ref >= 0 ? ref : propertyIds[-ref - 1]!,
            sourceKey: sourceKey[i]!,
            saleDate: saleDate[i]!,
            price: price[i]!,
            isMarket: k.isMarket === 1,
            nonMarketReason: k.nonMarketReason,
            attributes: k.attributes,
          });
        }
        for (const part of chunks(sales, 1000)) await upsertSales(trx, marketId, part);
        let deleted = 0;
        for (const part of chunks(batch.deletions, 1000)) {
          const r = await trx.deleteFrom('sales').where('market_id', '=', marketId).where('source_key', 'in', part).executeTakeFirst();
          deleted += Number(r.numDeletedRows);
        }
        if (batch.progress) {
          const p = batch.progress;
          await trx
            .insertInto('uk_import_progress')
            .values({ market_id: marketId, kind: 'ppd', fingerprint: p.fingerprint, offset: p.offset, line: p.line, done: p.done ? 1 : 0, updated_at: now })
            .onConflict((oc) =>
              oc.columns(['market_id', 'kind', 'fingerprint']).doUpdateSet({ offset: p.offset, line: p.line, done: p.done ? 1 : 0, updated_at: now }),
            )
            .execute();
        }
        return { propertyIds, deleted };
      });
    },
    async finish() {},
    async close() {},
  };
}
