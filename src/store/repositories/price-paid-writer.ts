// Writes Price Paid batches (price-paid-batch.ts): the one place that bypasses Kysely. On SQLite it runs
// better-sqlite3 statements on a second connection to the same file (WAL), a batch's sales in one
// statement; on PostgreSQL it sends chunked multi-row statements through Kysely.
//
// Two ways to write on SQLite, the same rows either way:
// - batched: each batch is one transaction that also records the byte offset and line it reached;
// - bulk: one transaction for the whole import (all or nothing), the indexes of `sales` dropped at the start,
//   its unique key included, each batch's sales appended as they come, and the indexes built again before
//   the commit. It writes on the store's own
//   connection, taken from Kysely for the import; when no other connection has the file open it has the
//   file to itself and writes it through a rollback journal instead of the WAL (see takeBulkConnection).
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { sqliteHandlesOf, takeSqliteConnection, type Store } from '../database.js';
import { isSqliteBusy, SQLITE_BUSY_TIMEOUT_MS } from '../write-lock.js';
import type { Database } from '../schema.js';
import {
  SALE_DATE_AT,
  SALE_KEY_AT,
  SALE_KEY_LENGTH_AT,
  SALE_KIND_AT,
  SALE_PRICE_AT,
  SALE_PROPERTY_AT,
  SALE_RECORD,
  decodeSales,
  fillPropertyIds,
  type PricePaidBatch,
  type PricePaidBatchResult,
  type PricePaidProperties,
  type PricePaidSaleKind,
} from './price-paid-batch.js';
import { upsertSales } from './sales.js';
import { insertRegisterProperties } from './uk.js';

export interface PricePaidWriterOptions {
  saleKinds: readonly PricePaidSaleKind[];
  /**
   * SQLite only: the whole import is one transaction, and the indexes of `sales` (its unique key included)
   * are dropped at the start and built again at the end (sorting once is far cheaper than millions of
   * random index inserts). Other connections keep reading the committed tables, indexes included; other
   * writers wait until the import commits. Meant for a market with no sales yet: a transaction id the file
   * holds twice keeps its last record, as an upsert would.
   */
  bulk: boolean;
}

export interface PricePaidWriter {
  /**
   * Writes the batch. `registerIds[i]` is the property id of register index i: the writer fills in the ids
   * of the batch's new properties, and turns each sale's register index into its property id.
   */
  write(batch: PricePaidBatch, registerIds: number[]): Promise<PricePaidBatchResult>;
  /**
   * Commits what a bulk writer holds (building its indexes); nothing to do otherwise. Returns the seconds
   * (wall) each step of a bulk finish took, by name.
   */
  finish(): Promise<Record<string, number>>;
  /** Releases the writer; a bulk import not finished is rolled back. */
  close(): Promise<void>;
  /**
   * True when a bulk import has the database file to itself: no other connection had it open, so it is
   * written once, through a rollback journal, instead of into the WAL and again by a checkpoint.
   */
  readonly exclusive: boolean;
}

export async function openPricePaidWriter(store: Store, marketId: string, options: PricePaidWriterOptions): Promise<PricePaidWriter> {
  if (store.dialect !== 'sqlite' || store.location === ':memory:') return kyselyPricePaidWriter(store.db, marketId, options);
  const held = options.bulk ? await takeBulkConnection(store) : openBatchConnection(store.location);
  try {
    return sqlitePricePaidWriter(held.conn, marketId, options, held);
  } catch (error) {
    held.release();
    throw error;
  }
}

interface HeldConnection {
  conn: SQLite.Database;
  exclusive: boolean;
  /** Gives the connection back as it was found, or closes it (after any rollback). */
  release(): void;
}

/**
 * A batched import's own connection, beside the store's, in WAL: between its transactions the store's
 * connections (and other processes) read and write as usual.
 */
function openBatchConnection(location: string): HeldConnection {
  const conn = new SQLite(location);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return { conn, exclusive: false, release: () => conn.close() };
}

const BULK_TEMP_TABLES = ['ppd_rows', 'ppd_sale_kinds'];
/** The settings a bulk import changes on the store's own connection. */
const SHARED_SETTINGS = ['synchronous', 'cache_size', 'threads', 'foreign_keys', 'busy_timeout'] as const;

/**
 * The connection a bulk import writes on: the store's own, taken from Kysely until the import is done, and
 * the store's read-only connection closed meanwhile. If no other process has the file open either, the file
 * goes from WAL to a rollback journal for the import (5 million rows: 36 s against 45 s, medians of
 * alternating runs, docs/benchmarks.md).
 * In WAL every page the import writes goes to the WAL and is copied into the file again by the checkpoint
 * after the commit (6 s of the 47), and pages the page cache spills are appended to the WAL again each time
 * they change. Through a rollback journal the new pages are written once, in place, and only the few
 * pages the file held before are journaled; an interrupted import is rolled back from that journal when
 * the file is next opened. Other processes cannot open the file until the import has finished (a bulk
 * import's writes already kept them waiting); with one open, the import stays in WAL as before.
 */
async function takeBulkConnection(store: Store): Promise<HeldConnection> {
  const handles = sqliteHandlesOf(store.db)!;
  const release = await takeSqliteConnection(store.db);
  handles.closeReader();
  const conn = handles.writer;
  // Every setting the import changes on the store's connection, given back as found (busy_timeout 0: see
  // sqlite-driver.ts).
  const saved = SHARED_SETTINGS.map((name) => [name, conn.pragma(name, { simple: true })] as const);
  const exclusive = switchJournal(conn, 'delete');
  // Outside WAL, NORMAL leaves a power cut at the wrong moment a small chance of corrupting the file; FULL
  // syncs the journal before any page of the file is overwritten. It costs little here: only the pages the
  // file held before the import are journaled, so the journal is synced a few times, not once per spill.
  if (exclusive) conn.pragma('synchronous = FULL');
  // The import's own waits for a lock happen in SQLite's busy handler: the process does nothing else meanwhile.
  conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return {
    conn,
    exclusive,
    release() {
      try {
        for (const table of BULK_TEMP_TABLES) conn.exec(`drop table if exists temp.${table}`);
        // A process that opened the file since the commit may keep it from WAL for a while: then the next
        // process to open the store sets WAL again (openStore does, each time).
        if (exclusive) switchJournal(conn, 'wal');
      } finally {
        for (const [name, value] of saved) conn.pragma(`${name} = ${value}`);
        release();
      }
    },
  };
}

/** Sets the journal mode; false when another connection has the file open (it cannot change then). */
function switchJournal(conn: SQLite.Database, mode: 'delete' | 'wal'): boolean {
  try {
    return String(conn.pragma(`journal_mode = ${mode}`, { simple: true })).toLowerCase() === mode;
  } catch (error) {
    if (isSqliteBusy(error)) return false;
    throw error;
  }
}

// A sale record's fields as SQL over the batch blob @rows, the record starting at byte r.o (0-based).
// A blob cast to integer is read as the text of its bytes: the digits need no cast to text first (a function
// call fewer a field, on every row).
const recordBytes = (at: number, width: number | string) => `substr(@rows, r.o + ${at + 1}, ${width})`;
const recordNumber = (at: number, width: number) => `cast(${recordBytes(at, width)} as integer)`;
const RECORD_PROPERTY_ID = recordNumber(SALE_PROPERTY_AT, 10);
const RECORD_KEY = `cast(${recordBytes(SALE_KEY_AT, recordNumber(SALE_KEY_LENGTH_AT, 2))} as text)`;
const RECORD_DATE = `cast(${recordBytes(SALE_DATE_AT, 10)} as text)`;
const RECORD_PRICE = recordNumber(SALE_PRICE_AT, 12);
const RECORD_KIND = recordNumber(SALE_KIND_AT, 3);
const RECORDS = `(select i, i * ${SALE_RECORD} as o from temp.ppd_rows where i < @count) as r`;

const PROPERTY_ROWS = 64;
const PROPERTY_PARAMS = 9;

const PREFIX_CHARS = 6;
const INDEX_SCALE = 2 ** 20;

/**
 * Indices 0…n-1 ordered by their keys' first six characters (0-9 and A-Z in byte order, any other
 * character as before them all), in the order given within a prefix. A batch's new properties are inserted
 * in this order: their source keys start with the postcode, so the unique (market, source key) index and
 * the postcode index take them in one sweep each instead of at random. Measured, 1.58 million properties
 * in batches of 79,000 with their three indexes: 17.9 s inserted as they came, 5.8 s each batch sorted. One
 * typed-array sort of prefix × 2^20 + index (a string comparator cost 1.8 µs a key, measured).
 */
export function orderByKeyPrefix(keys: readonly string[]): Int32Array | number[] {
  const n = keys.length;
  if (n > INDEX_SCALE) return Array.from({ length: n }, (_, i) => i);
  const sortKeys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    let prefix = 0;
    for (let c = 0; c < PREFIX_CHARS; c++) prefix = prefix * 37 + charRank(key.charCodeAt(c));
    sortKeys[i] = prefix * INDEX_SCALE + i;
  }
  sortKeys.sort();
  const order = new Int32Array(n);
  for (let r = 0; r < n; r++) order[r] = sortKeys[r]! % INDEX_SCALE;
  return order;
}

/** 1-10 for 0-9, 11-36 for A-Z, 0 for anything else (a key shorter than the prefix included). */
function charRank(code: number): number {
  if (code >= 48 && code <= 57) return code - 47;
  if (code >= 65 && code <= 90) return code - 54;
  return 0;
}

/** The unique index on (market_id, source_key) of `sales` that an import may drop; null when a table constraint holds the key. */
function uniqueKeyIndexOfSales(conn: SQLite.Database): string | null {
  const indexes = conn.prepare(`select name, "unique", origin, partial from pragma_index_list('sales')`).all() as Array<{ name: string; unique: number; origin: string; partial: number }>;
  for (const index of indexes) {
    if (index.unique !== 1 || index.origin !== 'c' || index.partial !== 0) continue;
    const columns = conn.prepare('select name from pragma_index_info(?) order by seqno').pluck().all(index.name);
    if (columns.join() === 'market_id,source_key') return index.name;
  }
  return null;
}

function sqlitePricePaidWriter(conn: SQLite.Database, marketId: string, options: PricePaidWriterOptions, held: HeldConnection): PricePaidWriter {
  // Measured on 5 million rows: 256 MiB of page cache holds a batched import's hot index pages. A bulk import
  // reads on 128 MiB: its sales are appended (their pages never read again) and the properties' indexes are
  // what it needs; with 512 MiB the finish began by writing out the dirty pages it held (5 of 5 alternating
  // runs faster with 128 MiB, 450 MiB less memory). Its finish runs on 8 MiB: see finish.
  conn.pragma(options.bulk ? 'cache_size = -131072' : 'cache_size = -262144');
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

  // New properties go PROPERTY_ROWS to a statement (a call per row cost more than SQLite's work for it), with
  // ids given here inside the write transaction, above any the table has used, so nothing is read back. A
  // batch's properties go in the order of their source keys' first characters, the postcode
  // (orderByKeyPrefix), so their ids also run by postcode and a postcode lookup reads a few neighbouring rows
  // rather than one page per property.
  const nextPropertyId = conn.prepare(
    `select max(coalesce((select max(id) from properties), 0), coalesce((select seq from sqlite_sequence where name = 'properties'), 0)) + 1 as id`,
  );
  const propertyInsert = (rows: number) =>
    conn.prepare(
      `insert into properties (id, market_id, source_key, uprn, address, postcode, postcode_key, latitude, longitude, property_type, attributes, created_at, updated_at)
       values ${Array.from({ length: rows }, () => '(?, @market, ?, null, ?, ?, ?, ?, ?, ?, ?, @now, @now)').join(', ')}
       on conflict (market_id, source_key) do nothing`,
    );
  const insertPropertyRows = propertyInsert(PROPERTY_ROWS);
  const insertPropertyRow = propertyInsert(1);
  const propertyParams: unknown[] = new Array(PROPERTY_ROWS * PROPERTY_PARAMS);
  const findProperty = conn.prepare(`select id from properties where market_id = ? and source_key = ?`);
  const saleColumns = 'market_id, property_id, source_key, sale_date, price, is_market, non_market_reason, attributes, created_at';
  const saleUpdate = `on conflict (market_id, source_key) do update set property_id = excluded.property_id, sale_date = excluded.sale_date,
       price = excluded.price, is_market = excluded.is_market, non_market_reason = excluded.non_market_reason, attributes = excluded.attributes`;
  // A batch's sales in one statement, the batch's records the outer loop (CROSS JOIN), so they go in as they
  // come: a later record of an id gets the higher row id (buildKeyIndex relies on it).
  const recordsSelect = `select @market, ${RECORD_PROPERTY_ID}, ${RECORD_KEY}, ${RECORD_DATE}, ${RECORD_PRICE}, k.is_market, k.non_market_reason, k.attributes, @now
     from ${RECORDS} cross join temp.ppd_sale_kinds as k on k.code = ${RECORD_KIND}`;
  const saleValues = 'values (?, ?, ?, ?, ?, ?, ?, ?, ?)';
  // While a bulk import has the key index dropped, sales are appended, unchecked (their ids are made unique
  // when it is built again: buildKeyIndex). With the key index in place, each sale is an upsert, a batch's
  // sorted by transaction id so the index is written in order. ON CONFLICT names the key index, so those
  // statements are prepared only once it exists.
  const appendStatements = () => ({
    records: conn.prepare(`insert into sales (${saleColumns}) ${recordsSelect}`),
    one: conn.prepare(`insert into sales (${saleColumns}) ${saleValues}`),
  });
  const upsertStatements = () => ({
    records: conn.prepare(`insert into sales (${saleColumns}) ${recordsSelect} where true order by 3 ${saleUpdate}`),
    one: conn.prepare(`insert into sales (${saleColumns}) ${saleValues} ${saleUpdate}`),
  });
  const deleteSale = conn.prepare(`delete from sales where market_id = ? and source_key = ?`);

  // A bulk import drops the indexes of `sales`, as their own SQL says (so a later migration that changes one
  // is followed), and builds them again in finish. Those of `properties` stay: a third as many rows, written
  // while the reading worker keeps the other core busy, cost less than rebuilding them after it (measured).
  // The unique key index is built earlier if a D record needs to find a sale by id.
  let rebuild: Array<{ name: string; sql: string }> = [];
  let keyIndex: { name: string; sql: string } | null = null;
  if (options.bulk) {
    conn.exec('begin immediate');
    rebuild = conn
      .prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = 'sales' and sql is not null order by name`)
      .all() as Array<{ name: string; sql: string }>;
    const keyName = uniqueKeyIndexOfSales(conn);
    keyIndex = rebuild.find((index) => index.name === keyName) ?? null;
    for (const index of rebuild) conn.exec(`drop index "${index.name.replace(/"/g, '""')}"`);
  }
  // A store whose sales key is still a table constraint (it cannot be dropped) takes upserts throughout.
  let saleStatements = keyIndex ? appendStatements() : upsertStatements();

  /**
   * Builds the sales key index a bulk import dropped. A file that repeats a transaction id fails the first
   * try; its duplicates are dropped and the index built again (a national file has none, and pays nothing).
   * Several records of one id (a C record amending an A record of an earlier batch) keep the last, as the
   * upserts would have: the one with the highest row id.
   */
  const buildKeyIndex = () => {
    const index = keyIndex!;
    try {
      conn.exec(index.sql);
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      conn
        .prepare(`delete from sales where market_id = @market and id not in (select max(id) from sales where market_id = @market group by source_key)`)
        .run({ market: marketId });
      conn.exec(index.sql);
    }
    rebuild = rebuild.filter((other) => other !== index);
    keyIndex = null;
    saleStatements = upsertStatements();
  };

  const saveProgress = conn.prepare(
    `insert into uk_import_progress (market_id, kind, fingerprint, "offset", line, done, updated_at) values (?, 'ppd', ?, ?, ?, ?, ?)
     on conflict (market_id, kind, fingerprint) do update set "offset" = excluded."offset", line = excluded.line, done = excluded.done, updated_at = excluded.updated_at`,
  );

  const insertProperties = (p: PricePaidProperties, registerIds: number[], now: string) => {
    const n = p.sourceKey.length;
    if (n === 0) return;
    const firstId = (nextPropertyId.get() as { id: number }).id;
    const order = orderByKeyPrefix(p.sourceKey);
    const setParams = (params: unknown[], at: number, rank: number) => {
      const i = order[rank]!;
      params[at] = firstId + rank;
      params[at + 1] = p.sourceKey[i];
      params[at + 2] = p.address[i];
      params[at + 3] = p.postcode[i];
      params[at + 4] = p.postcodeKey[i];
      params[at + 5] = p.latitude[i];
      params[at + 6] = p.longitude[i];
      params[at + 7] = p.propertyType[i];
      params[at + 8] = p.attributes[i];
    };
    // The market and the time once a statement, not once a row.
    const shared = { market: marketId, now };
    let inserted = 0;
    let rank = 0;
    for (; rank + PROPERTY_ROWS <= n; rank += PROPERTY_ROWS) {
      for (let k = 0; k < PROPERTY_ROWS; k++) setParams(propertyParams, k * PROPERTY_PARAMS, rank + k);
      inserted += insertPropertyRows.run(propertyParams, shared).changes;
    }
    const one: unknown[] = new Array(PROPERTY_PARAMS);
    for (; rank < n; rank++) {
      setParams(one, 0, rank);
      inserted += insertPropertyRow.run(one, shared).changes;
    }
    // Filled in index order: out of order, the array of millions of ids fell into a slow sparse form (measured).
    const idOf = new Int32Array(n);
    for (let r = 0; r < n; r++) idOf[order[r]!] = firstId + r;
    for (let k = 0; k < n; k++) registerIds[p.firstIndex + k] = idOf[k]!;
    // Another writer registered some of these addresses since this import loaded the register: theirs stand.
    if (inserted < n) {
      for (let k = 0; k < n; k++) registerIds[p.firstIndex + k] = (findProperty.get(marketId, p.sourceKey[k]) as { id: number }).id;
    }
  };


  const run = conn.transaction((batch: PricePaidBatch, registerIds: number[]): PricePaidBatchResult => {
    const now = new Date().toISOString();
    insertProperties(batch.properties, registerIds, now);
    fillPropertyIds(batch, registerIds);
    if (batch.count > 0) {
      ensureRows(batch.count);
      saleStatements.records.run({ market: marketId, rows: batch.sales.subarray(0, batch.count * SALE_RECORD), count: batch.count, now });
    }
    for (const s of batch.oversize) {
      const k = options.saleKinds[s.kind]!;
      saleStatements.one.run(marketId, registerIds[s.ref]!, s.sourceKey, s.saleDate, s.price, k.isMarket, k.nonMarketReason, k.attributes, now);
    }
    // A D record finds the sales it deletes by id: through the key index (the monthly files have D records,
    // and are imported in batches unless asked otherwise; the national file has none).
    if (batch.deletions.length > 0 && keyIndex) buildKeyIndex();
    let deleted = 0;
    for (const key of batch.deletions) deleted += deleteSale.run(marketId, key).changes;
    if (batch.progress) saveProgress.run(marketId, batch.progress.fingerprint, batch.progress.offset, batch.progress.line, batch.progress.done ? 1 : 0, now);
    return { deleted };
  });

  return {
    async write(batch, registerIds) {
      return options.bulk ? run(batch, registerIds) : run.immediate(batch, registerIds);
    },
    async finish() {
      const steps: Record<string, number> = {};
      if (!options.bulk || !conn.inTransaction) return steps;
      let started = performance.now();
      const step = (name: string) => {
        const now = performance.now();
        steps[name] = (now - started) / 1000;
        started = now;
      };
      // A small page cache from here: each index's sort then comes in pieces of a few MiB, which SQLite's
      // helper thread sorts on the other core (the reading worker being done) while this one reads on, and
      // which sort within the processor's caches; the indexes grow at one end and need no cache. Measured,
      // SQLite alone building the three on 5 million sales: 12.0 s with 128 MiB, 8.8 s with 32 MiB, 5.7 s
      // with 8 MiB, no faster below (docs/benchmarks.md).
      conn.pragma('cache_size = -8192');
      if (keyIndex) {
        const name = keyIndex.name;
        buildKeyIndex();
        step(`index ${name}`);
      }
      for (const index of rebuild) {
        conn.exec(index.sql);
        step(`index ${index.name}`);
      }
      if (held.exclusive) {
        conn.exec('commit');
        step('commit');
        return steps;
      }
      // The checkpoint that copies the import's pages from the WAL into the database file (a commit past
      // 1,000 pages of WAL runs one) is timed as a step of its own: PASSIVE, as SQLite's own would be.
      conn.pragma('wal_autocheckpoint = 0');
      conn.exec('commit');
      step('commit');
      conn.pragma('wal_checkpoint(PASSIVE)');
      conn.pragma('wal_autocheckpoint = 1000');
      step('checkpoint');
      return steps;
    },
    async close() {
      try {
        if (conn.inTransaction) conn.exec('rollback');
      } finally {
        held.release();
      }
    },
    exclusive: held.exclusive,
  };
}

function kyselyPricePaidWriter(db: Kysely<Database>, marketId: string, options: PricePaidWriterOptions): PricePaidWriter {
  return {
    async write(batch, registerIds) {
      return db.transaction().execute(async (trx) => {
        const now = new Date().toISOString();
        const p = batch.properties;
        const ids = await insertRegisterProperties(
          trx,
          marketId,
          p.sourceKey.map((sourceKey, i) => ({
            sourceKey,
            uprn: null,
            address: p.address[i]!,
            postcode: p.postcode[i]!,
            postcodeKey: p.postcodeKey[i]!,
            latitude: p.latitude[i]!,
            longitude: p.longitude[i]!,
            propertyType: p.propertyType[i]!,
            attributes: p.attributes[i]!,
          })),
        );
        p.sourceKey.forEach((key, i) => (registerIds[p.firstIndex + i] = ids.get(key)!));
        fillPropertyIds(batch, registerIds);
        const sales = decodeSales(batch, registerIds).map((s) => {
          const k = options.saleKinds[s.kind]!;
          return { ...s, isMarket: k.isMarket === 1, nonMarketReason: k.nonMarketReason, attributes: k.attributes };
        });
        for (let i = 0; i < sales.length; i += 1000) await upsertSales(trx, marketId, sales.slice(i, i + 1000));
        let deleted = 0;
        for (let i = 0; i < batch.deletions.length; i += 1000) {
          const part = batch.deletions.slice(i, i + 1000);
          const r = await trx.deleteFrom('sales').where('market_id', '=', marketId).where('source_key', 'in', part).executeTakeFirst();
          deleted += Number(r.numDeletedRows);
        }
        if (batch.progress) {
          const pr = batch.progress;
          await trx
            .insertInto('uk_import_progress')
            .values({ market_id: marketId, kind: 'ppd', fingerprint: pr.fingerprint, offset: pr.offset, line: pr.line, done: pr.done ? 1 : 0, updated_at: now })
            .onConflict((oc) =>
              oc.columns(['market_id', 'kind', 'fingerprint']).doUpdateSet({ offset: pr.offset, line: pr.line, done: pr.done ? 1 : 0, updated_at: now }),
            )
            .execute();
        }
        return { deleted };
      });
    },
    async finish() {
      return {};
    },
    async close() {},
    exclusive: false,
  };
}
