// HM Land Registry Price Paid Data (pp-complete.csv, the yearly and monthly files): 16 quoted columns, no
// header. Each record becomes a sale keyed by its transaction id, linked to the register property with the
// same normalised address in its postcode (a new one when there is none). The monthly files' C records
// replace and D records delete the earlier record of the same id; category B records are kept as
// non-market sales unless asked otherwise.
//
// Throughput (docs/uk-data.md, bench/uk.bench.ts): records are read as field offsets into the file's bytes
// (price-paid-records.ts) and only the fields a record needs are decoded; a postcode is parsed and located
// once, and an address spelled as before goes straight to its property without being normalised again.
//
// Two ways to write, the same records either way:
// - batched (default): each batch of rows commits with the byte offset and line it reached, so an
//   interrupted import resumes there; replaying a file is harmless anyway, every write being keyed by
//   transaction id.
// - bulk (SQLite, a market with no sales yet and a file large against the database's sales): one
//   transaction for the whole file, secondary indexes built once at the end. All or nothing: an interrupted
//   bulk import leaves the market as it was, and running it again starts from line 1.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Store } from '../../store/database.js';
import {
  countAllSales,
  countEpcCertificates,
  countSalesByPropertyType,
  ensureUkMarketRow,
  loadPostcodeCentroids,
  loadRegisterKeys,
  marketHasSales,
  openPricePaidWriter,
  readImportProgress,
  saveMarketConfig,
  type PricePaidBatch,
  type PricePaidSaleKind,
} from '../../store/repositories/uk.js';
import { formatPostcode, formatPpdAddress, matchAddressKey, postcodeKey, ppdAddressKey } from './address.js';
import { ByteKeyTable, hashBytes } from './byte-key-table.js';
import { fieldText, latin1, readPricePaidRecords, type RecordFields } from './price-paid-records.js';
import { typeFromPpdCode, type UkPropertyType } from './uk-fields.js';
import { ukMarketConfig } from './uk-market-config.js';
import { linkUkRegister, type LinkReport } from './link-register.js';
import type { ProgressReporter } from './progress.js';

export interface Rejection {
  line: number;
  reason: string;
}

export interface ImportPricePaidOptions {
  marketId: string;
  /** Market name when the import creates the market. */
  marketName?: string;
  /** Count category B records (repossessions, buy-to-let, non-private buyers) as market sales. */
  includeCategoryB?: boolean;
  /** Continue from the recorded offset of an interrupted import of the same file (default true). */
  resume?: boolean;
  /**
   * One transaction with indexes built at the end (SQLite files only; see the module comment). Default:
   * when the market has no sales, no interrupted import of this file is pending, the file holds at least
   * BULK_MIN_BYTES, and its rows outnumber half the sales already in the database (whose indexes are
   * rebuilt too).
   */
  bulk?: boolean;
  /** Rows per transaction (batched) or per write (bulk). */
  batchSize?: number;
  /** Called for every rejected line (the report keeps the first `keepRejections`). */
  onReject?: (rejection: Rejection) => void;
  keepRejections?: number;
  progress?: ProgressReporter;
  /** Link EPC certificates afterwards when the market has any (default true). */
  link?: boolean;
}

export interface ImportPricePaidReport {
  file: string;
  /** 'bulk' or 'batched' (see the module comment). */
  mode: 'bulk' | 'batched';
  /** Lines read in this run (after any resumed offset). */
  lines: number;
  /** Lines skipped because an earlier run committed them. */
  resumedFromLine: number;
  /** A (added) records written. */
  added: number;
  /** C (changed) records written. */
  changed: number;
  /** D (deleted) records whose sale existed and was removed. */
  deleted: number;
  /** D records for a sale not in the market (already deleted, or never imported): nothing to do. */
  deletedUnknown: number;
  /** Category B records (kept; market sales only with includeCategoryB). */
  categoryB: number;
  propertiesCreated: number;
  /** Records replaced by a later record of the same transaction id in the same batch (the later one counts). */
  superseded: number;
  /** Records read (a record may span lines); records = added + changed + deleted + deletedUnknown + superseded + rejected. */
  records: number;
  rejected: number;
  rejections: Rejection[];
  blankLines: number;
  link: LinkReport | null;
  /** Where the time went (wall and process CPU seconds): writing batches, and finishing (a bulk import's sorted insert, index builds and commit); the rest is reading and resolving. */
  timing: { writeSeconds: number; writeCpuSeconds: number; finishSeconds: number; finishCpuSeconds: number };
}

const PPD_FIELDS = 16;
/** Below this a file is imported in batches whatever the market holds (about 180,000 lines). */
export const BULK_MIN_BYTES = 32 << 20;
/** Bytes of an average Price Paid line, to estimate a file's rows from its size. */
const BYTES_PER_LINE = 180;

const TYPE_CODES = 'DSTFO';
const TYPES: readonly UkPropertyType[] = [...TYPE_CODES].map((c) => typeFromPpdCode(c)!);
const TENURES = ['Freehold', 'Leasehold', null] as const;

/**
 * The sale kinds a record can have: its own property type, tenure, new-build flag and category, as the
 * sale's attributes; kind = type × 12 + tenure × 4 + new build × 2 + category.
 */
function saleKinds(includeCategoryB: boolean): PricePaidSaleKind[] {
  const kinds: PricePaidSaleKind[] = [];
  for (const type of TYPES) {
    for (const tenure of TENURES) {
      for (const newBuild of ['N', 'Y']) {
        for (const category of ['A', 'B']) {
          const isMarket = category === 'A' || includeCategoryB ? 1 : 0;
          kinds.push({
            attributes: JSON.stringify({ property_type: type, tenure, new_build: newBuild, ppd_category: category }),
            isMarket,
            nonMarketReason: isMarket ? null : 'ppd_category_b',
          });
        }
      }
    }
  }
  return kinds;
}

function firstToken(key: string): string {
  const space = key.indexOf(' ');
  return space === -1 ? key : key.slice(0, space);
}

/** A register property as the import sees it: its id, or -(i + 1) while it is the batch's i-th new property. */
interface PropertySlot {
  id: number;
}

interface Place {
  postcode: string;
  pcKey: string;
  centroid: [number, number];
  /** Addresses of this postcode spelled with quotes or non-ASCII text → property; null: no address key. */
  spelled: Map<string, PropertySlot | null>;
}

const emptySales = (): PricePaidBatch['sales'] => ({ sourceKey: [], propertyRef: [], saleDate: [], price: [], kind: [] });

export async function importPricePaid(store: Store, path: string, options: ImportPricePaidOptions): Promise<ImportPricePaidReport> {
  const file = resolve(path);
  const stat = statSync(file);
  const fingerprint = `${file}|${stat.size}|${Math.round(stat.mtimeMs)}`;
  const marketId = options.marketId;
  await ensureUkMarketRow(store.db, ukMarketConfig({ id: marketId, name: options.marketName ?? marketId }));

  const report: ImportPricePaidReport = {
    file,
    mode: 'batched',
    lines: 0,
    resumedFromLine: 0,
    added: 0,
    changed: 0,
    deleted: 0,
    deletedUnknown: 0,
    categoryB: 0,
    propertiesCreated: 0,
    superseded: 0,
    records: 0,
    rejected: 0,
    rejections: [],
    blankLines: 0,
    link: null,
    timing: { writeSeconds: 0, writeCpuSeconds: 0, finishSeconds: 0, finishCpuSeconds: 0 },
  };
  const timed = async <T>(work: () => Promise<T>, add: (seconds: number, cpuSeconds: number) => void): Promise<T> => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    try {
      return await work();
    } finally {
      const used = process.cpuUsage(cpu);
      add((performance.now() - started) / 1000, (used.user + used.system) / 1e6);
    }
  };
  const keep = options.keepRejections ?? 1000;
  const reject = (line: number, reason: string) => {
    report.rejected++;
    const r = { line, reason };
    if (report.rejections.length < keep) report.rejections.push(r);
    options.onReject?.(r);
  };

  let startOffset = 0;
  let startLine = 1;
  let pendingProgress = false;
  if (options.resume !== false) {
    const progress = await readImportProgress(store.db, marketId, 'ppd', fingerprint);
    if (progress && !progress.done) {
      pendingProgress = true;
      startOffset = Number(progress.offset);
      startLine = Number(progress.line) + 1;
      report.resumedFromLine = startLine;
    }
  }
  const bulk = await chooseBulk(store, marketId, stat.size, pendingProgress, options.bulk);
  if (bulk) {
    report.mode = 'bulk';
    startOffset = 0;
    startLine = 1;
    report.resumedFromLine = 0;
  }

  const centroids = await loadPostcodeCentroids(store.db);
  const places = new Map<string, Place | string>();
  const typeCounts = new Array<number>(TYPES.length).fill(0);
  // The register as the importer sees it: "POSTCODEKEY:ADDRESS KEY" → property, and each postcode's keys
  // for the prefix match of addresses written at different lengths.
  const register = new Map<string, PropertySlot>();
  // Keys that can match by prefix share their first token, so each postcode's keys are grouped by it:
  // "POSTCODEKEY FIRSTTOKEN" → keys.
  const keysByPostcode = new Map<string, string[]>();
  const rememberKey = (pc: string, key: string) => {
    const group = `${pc} ${firstToken(key)}`;
    const list = keysByPostcode.get(group);
    if (list) list.push(key);
    else keysByPostcode.set(group, [key]);
  };
  for (const p of await loadRegisterKeys(store.db, marketId)) {
    register.set(p.source_key, { id: p.id });
    const sep = p.source_key.indexOf(':');
    if (sep > 0) rememberKey(p.source_key.slice(0, sep), p.source_key.slice(sep + 1));
  }

  const kinds = saleKinds(options.includeCategoryB === true);
  const writer = openPricePaidWriter(store, marketId, { saleKinds: kinds, bulk });
  // A batched import's batch is one write transaction: small enough that other writers to the same SQLite
  // file (the API's ledger and jobs) wait well under their busy timeout. A bulk import holds the lock
  // throughout; its batches are as large as keeps memory flat and the unique index written in long runs.
  const batchSize = options.batchSize ?? (bulk ? 250_000 : 20_000);

  let batch: PricePaidBatch = { newProperties: [], sales: emptySales(), deletions: [], progress: null };
  let newSlots: PropertySlot[] = [];
  // Within a batch the last record of a transaction id wins: id → its entry in batch.sales, or -1 for a
  // deletion (batchIds numbers the ids, batchIdSale holds the index).
  const batchIds = new ByteKeyTable(batchSize);
  let batchIdSale: number[] = [];
  // Each postcode + address as spelled in plain quoted fields (nearly every record) → its property.
  const spellings = new ByteKeyTable(1 << 16);
  const spellingSlots: Array<PropertySlot | null> = [];
  // Record status (A or C) of each entry of batch.sales.
  let statuses: number[] = [];
  let rowsInBatch = 0;

  const flush = async (offset: number, line: number, done: boolean) => {
    batch.progress = { fingerprint, offset, line, done };
    const deletions = batch.deletions.length;
    const result = await timed(
      () => writer.write(batch),
      (seconds, cpu) => {
        report.timing.writeSeconds += seconds;
        report.timing.writeCpuSeconds += cpu;
      },
    );
    newSlots.forEach((slot, i) => (slot.id = result.propertyIds[i]!));
    report.propertiesCreated += batch.newProperties.length;
    report.deleted += result.deleted;
    report.deletedUnknown += deletions - result.deleted;
    const keys = batch.sales.sourceKey;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === '') continue;
      if (statuses[i] === STATUS_C) report.changed++;
      else report.added++;
    }
    batch = { newProperties: [], sales: emptySales(), deletions: [], progress: null };
    newSlots = [];
    batchIds.clear();
    batchIdSale = [];
    statuses = [];
    rowsInBatch = 0;
  };

  const total = stat.size;
  let rowsSeen = 0;
  let lastOffset = startOffset;
  let lastLine = startLine - 1;
  try {
    await readPricePaidRecords(file, startOffset, startLine, PPD_FIELDS, {
      record(fields, count, line) {
        report.records++;
        rowsSeen++;
        rowsInBatch++;
        handleRecord(fields, count, line);
      },
      blank() {
        report.blankLines++;
      },
      invalid(line, reason) {
        report.records++;
        reject(line, reason);
      },
      async chunkDone(offset, line) {
        report.lines = line - startLine + 1;
        lastOffset = offset;
        lastLine = line;
        if (rowsInBatch >= batchSize) await flush(lastOffset, lastLine, false);
        options.progress?.update(lastOffset, total, rowsSeen);
      },
    });
    await flush(lastOffset, lastLine, true);
    await timed(
      () => writer.finish(),
      (seconds, cpu) => {
        report.timing.finishSeconds += seconds;
        report.timing.finishCpuSeconds += cpu;
      },
    );
  } finally {
    await writer.close();
    options.progress?.finish();
  }

  await updateHouseAlias(store, marketId, new Map(TYPES.map((t, i) => [t, typeCounts[i]!])));
  if (options.link !== false && (await countEpcCertificates(store.db, marketId)) > 0) {
    report.link = await linkUkRegister(store, marketId);
  }
  return report;

  // Postcodes repeat all through a file: each is parsed, keyed and located once.
  function placeOf(raw: string): Place | string {
    let place = places.get(raw);
    if (place === undefined) {
      place = locate(raw);
      places.set(raw, place);
    }
    return place;
  }

  function locate(raw: string): Place | string {
    if (!raw.trim()) return 'postcode (field 4) is empty: the sale cannot be placed';
    const postcode = formatPostcode(raw);
    if (!postcode) return `postcode (field 4) is not a UK postcode: "${raw}"`;
    const pcKey = postcodeKey(postcode);
    const centroid = centroids.get(pcKey);
    if (!centroid) return `postcode ${postcode} (field 4) has no coordinates: import its postcode file (valora uk import-postcodes) and run this import again`;
    return { postcode, pcKey, centroid, spelled: new Map() };
  }

  /** The property of a new spelling of an address in `place`: the register's by key, else a new one. */
  function resolveProperty(place: Place, addressKey: string, f: RecordFields, typeIndex: number, tenure: string | null): PropertySlot {
    const { pcKey } = place;
    const fullKey = `${pcKey}:${addressKey}`;
    const known = register.get(fullKey);
    if (known !== undefined) return known;
    const siblings = keysByPostcode.get(`${pcKey} ${firstToken(addressKey)}`);
    if (siblings) {
      const match = matchAddressKey(addressKey, siblings);
      if (match !== null) {
        const slot = register.get(`${pcKey}:${match}`);
        if (slot !== undefined) return slot;
      }
    }
    const type = TYPES[typeIndex]!;
    const slot: PropertySlot = { id: -(batch.newProperties.length + 1) };
    batch.newProperties.push({
      sourceKey: fullKey,
      address: formatPpdAddress({ saon: fieldText(f, 8), paon: fieldText(f, 7), street: fieldText(f, 9), locality: fieldText(f, 10), town: fieldText(f, 11) }),
      postcode: place.postcode,
      postcodeKey: pcKey,
      latitude: place.centroid[0],
      longitude: place.centroid[1],
      propertyType: type,
      attributes: JSON.stringify({ property_type: type, tenure, location_precision: 'postcode', district: fieldText(f, 12) || null, county: fieldText(f, 13) || null }),
    });
    newSlots.push(slot);
    register.set(fullKey, slot);
    rememberKey(pcKey, addressKey);
    return slot;
  }

  function handleRecord(f: RecordFields, n: number, line: number): void {
    if (n !== PPD_FIELDS) return reject(line, `expected ${PPD_FIELDS} fields, found ${n}`);
    const { buf, starts, ends } = f;
    const id = transactionId(f);
    if (!id) return reject(line, 'transaction id (field 1) is empty');
    // The id's bytes: where they lie when the field is its plain upper-case form, else encoded.
    const plainId = idIsRaw;
    const idBuf = plainId ? buf : Buffer.from(id);
    const idStart = plainId ? starts[0]! + 1 : 0;
    const idEnd = plainId ? ends[0]! - 1 : idBuf.length;
    const idHash = hashBytes(idBuf, idStart, idEnd, 0, 0);
    const idEntry = batchIds.find(idHash, idBuf, idStart, idEnd, 0, 0);
    const prior = idEntry < 0 ? undefined : batchIdSale[idEntry]!;
    const status = recordStatus(f);
    if (status === STATUS_D) {
      if (prior !== undefined) report.superseded++;
      if (prior !== undefined && prior >= 0) batch.sales.sourceKey[prior] = ''; // dropped at flush
      if (prior !== -1) batch.deletions.push(id);
      if (idEntry < 0) batchIdSale[batchIds.add(idHash, idBuf, idStart, idEnd, 0, 0)] = -1;
      else batchIdSale[idEntry] = -1;
      return;
    }
    if (status === 0) return reject(line, `record status (field 16) must be A, C or D, not "${fieldText(f, 15)}"`);
    const price = wholeNumber(f, 1);
    if (price <= 0) return reject(line, `price (field 2) is not a positive whole number: "${fieldText(f, 1)}"`);
    const saleDate = isoDay(f, 2);
    if (saleDate === null) return reject(line, `date of transfer (field 3) is not YYYY-MM-DD: "${fieldText(f, 2)}"`);

    // The same postcode and address spelled as before (every repeat sale) is a known, placed property.
    const plainAddress = f.flags[3] === 0 && plainQuoted(f, 7) && plainQuoted(f, 8) && plainQuoted(f, 9);
    const spellingHash = plainAddress ? hashBytes(buf, starts[3]!, ends[3]!, starts[7]!, ends[9]!) : 0;
    const spelling = plainAddress ? spellings.find(spellingHash, buf, starts[3]!, ends[3]!, starts[7]!, ends[9]!) : -1;
    let place: Place | null = null;
    if (spelling < 0) {
      const located = placeOf(fieldText(f, 3));
      if (typeof located === 'string') return reject(line, located);
      place = located;
    }
    const typeIndex = letterIndex(f, 4, TYPE_CODES);
    if (typeIndex < 0) return reject(line, `property type (field 5) must be D, S, T, F or O, not "${fieldText(f, 4)}"`);
    const newBuild = letterIndex(f, 5, 'NY');
    if (newBuild < 0) return reject(line, `old/new (field 6) must be Y or N, not "${fieldText(f, 5)}"`);
    // Duration U (unknown) and an empty duration both leave tenure unknown.
    const tenureIndex = ends[6] === starts[6] ? 2 : letterIndex(f, 6, 'FLU');
    if (tenureIndex < 0) return reject(line, `duration (field 7) must be F, L or U, not "${fieldText(f, 6)}"`);
    const category = letterIndex(f, 14, 'AB');
    if (category < 0) return reject(line, `PPD category (field 15) must be A or B, not "${fieldText(f, 14)}"`);

    let slot: PropertySlot | null | undefined;
    if (spelling >= 0) slot = spellingSlots[spelling];
    else if (plainAddress) {
      slot = propertyOf(place!, f, typeIndex, tenureIndex);
      spellingSlots[spellings.add(spellingHash, buf, starts[3]!, ends[3]!, starts[7]!, ends[9]!)] = slot;
    } else {
      const key = `${fieldText(f, 7)}\u0000${fieldText(f, 8)}\u0000${fieldText(f, 9)}`;
      slot = place!.spelled.get(key);
      if (slot === undefined) {
        slot = propertyOf(place!, f, typeIndex, tenureIndex);
        place!.spelled.set(key, slot);
      }
    }
    if (!slot) return reject(line, 'PAON, SAON and street (fields 8-10) are all empty: the sale cannot be linked to a property');

    if (category === 1) report.categoryB++;
    typeCounts[typeIndex]!++;
    const sales = batch.sales;
    if (prior !== undefined) report.superseded++;
    if (prior !== undefined && prior >= 0) sales.sourceKey[prior] = ''; // replaced by this later record
    else if (prior === -1) batch.deletions = batch.deletions.filter((d) => d !== id);
    const index = sales.sourceKey.length;
    if (idEntry < 0) batchIdSale[batchIds.add(idHash, idBuf, idStart, idEnd, 0, 0)] = index;
    else batchIdSale[idEntry] = index;
    sales.sourceKey.push(id);
    sales.propertyRef.push(slot.id);
    sales.saleDate.push(saleDate);
    sales.price.push(price);
    sales.kind.push(typeIndex * 12 + tenureIndex * 4 + newBuild * 2 + category);
    statuses.push(status);
  }

  /** The property of an address not seen before in this spelling; null when it has no address key. */
  function propertyOf(place: Place, f: RecordFields, typeIndex: number, tenureIndex: number): PropertySlot | null {
    const addressKey = ppdAddressKey(fieldText(f, 8), fieldText(f, 7), fieldText(f, 9));
    return addressKey ? resolveProperty(place, addressKey, f, typeIndex, TENURES[tenureIndex]!) : null;
  }
}

async function chooseBulk(store: Store, marketId: string, fileBytes: number, pendingProgress: boolean, asked: boolean | undefined): Promise<boolean> {
  if (store.dialect !== 'sqlite' || store.location === ':memory:') return false;
  if (asked === false) return false;
  if (pendingProgress || (await marketHasSales(store.db, marketId))) return false;
  if (asked === true) return true;
  if (fileBytes < BULK_MIN_BYTES) return false;
  return fileBytes / BYTES_PER_LINE >= (await countAllSales(store.db)) / 2;
}

const STATUS_A = 65;
const STATUS_C = 67;
const STATUS_D = 68;

/** Field 16 as A, C or D (its character code), 0 when it is something else. */
function recordStatus(f: RecordFields): number {
  const s = f.starts[15]!;
  if (f.ends[15]! - s === 1) {
    const c = f.buf[s]! & 0xdf; // upper case
    return c === STATUS_A || c === STATUS_C || c === STATUS_D ? c : 0;
  }
  const text = fieldText(f, 15).trim().toUpperCase();
  return text === 'A' ? STATUS_A : text === 'C' ? STATUS_C : text === 'D' ? STATUS_D : 0;
}

/** Whether the last transactionId() is the field's bytes between its braces, as they are. */
let idIsRaw = false;

/** The transaction id without its braces, upper case ('' when empty). */
function transactionId(f: RecordFields): string {
  idIsRaw = false;
  const { buf } = f;
  const s = f.starts[0]!;
  const e = f.ends[0]!;
  if (f.flags[0] === 0 && e - s > 2 && buf[s] === 123 && buf[e - 1] === 125) {
    let lower = false;
    for (let i = s + 1; i < e - 1; i++) {
      const c = buf[i]!;
      if (c >= 97 && c <= 122) lower = true;
    }
    const id = latin1(buf, s + 1, e - 1);
    idIsRaw = !lower;
    return lower ? id.toUpperCase() : id;
  }
  const raw = fieldText(f, 0);
  return (raw.startsWith('{') && raw.endsWith('}') ? raw.slice(1, -1) : raw.replace(/^\{|\}$/g, '').trim()).toUpperCase();
}

/** A field of digits as its value; else the number it reads as when that is a whole number; else 0. */
function wholeNumber(f: RecordFields, i: number): number {
  const { buf } = f;
  const s = f.starts[i]!;
  const e = f.ends[i]!;
  if (e > s && e - s <= 15) {
    let value = 0;
    let p = s;
    for (; p < e; p++) {
      const d = buf[p]! - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
    }
    if (p === e) return value;
  }
  const text = fieldText(f, i);
  const value = Number(text);
  return text && Number.isInteger(value) ? value : 0;
}

// Dates repeat (some 11,000 distinct days in 30 years): each YYYY-MM-DD string is made once, found by its
// year, month and day in a plain array rather than a Map.
const FIRST_YEAR = 1800;
const days: string[] = Array.from({ length: 400 * 12 * 31 }, () => '');

/** The YYYY-MM-DD a date field starts with, or null. */
function isoDay(f: RecordFields, i: number): string | null {
  const { buf } = f;
  const s = f.starts[i]!;
  if (f.ends[i]! - s < 10 || buf[s + 4] !== 45 || buf[s + 7] !== 45) return null;
  let year = 0;
  for (let p = s; p < s + 4; p++) {
    const d = buf[p]! - 48;
    if (d < 0 || d > 9) return null;
    year = year * 10 + d;
  }
  const m1 = buf[s + 5]! - 48;
  const m2 = buf[s + 6]! - 48;
  const d1 = buf[s + 8]! - 48;
  const d2 = buf[s + 9]! - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return null;
  const month = m1 * 10 + m2;
  const day = d1 * 10 + d2;
  // Only the shape is checked (as the file's documentation promises real dates); odd ones are not cached.
  if (year < FIRST_YEAR || year >= FIRST_YEAR + 400 || month < 1 || month > 12 || day < 1 || day > 31) return latin1(buf, s, s + 10);
  const at = ((year - FIRST_YEAR) * 12 + month - 1) * 31 + day - 1;
  let text = days[at]!;
  if (text === '') {
    text = latin1(buf, s, s + 10);
    days[at] = text;
  }
  return text;
}

/** Index in `letters` of a one-letter field, either case; -1 when it is anything else. */
function letterIndex(f: RecordFields, i: number, letters: string): number {
  const s = f.starts[i]!;
  if (f.ends[i]! - s !== 1) return -1;
  let c = f.buf[s]!;
  if (c >= 97 && c <= 122) c -= 32;
  for (let k = 0; k < letters.length; k++) if (letters.charCodeAt(k) === c) return k;
  return -1;
}

/** A quoted field with neither escaped quotes nor non-ASCII bytes (its raw bytes are its text). */
function plainQuoted(f: RecordFields, i: number): boolean {
  return f.flags[i] === 0 && f.buf[f.starts[i]! - 1] === 34;
}

/**
 * Points the "houses" alias at the market's most common house type (documented in docs/uk-data.md): counted
 * on the file just imported when it is large enough to speak for the market, else on all the market's sales.
 */
async function updateHouseAlias(store: Store, marketId: string, fileCounts: Map<string, number>): Promise<void> {
  const inFile = [...fileCounts.values()].reduce((a, b) => a + b, 0);
  const counts = inFile >= 10_000 ? fileCounts : await countSalesByPropertyType(store.db, marketId);
  let best: UkPropertyType | null = null;
  for (const t of ['Detached', 'Semi-Detached', 'Terraced'] as const) {
    if ((counts.get(t) ?? 0) > 0 && (best === null || counts.get(t)! > counts.get(best)!)) best = t;
  }
  if (!best) return;
  const row = await store.db.selectFrom('markets').select('config').where('id', '=', marketId).executeTakeFirstOrThrow();
  const config = JSON.parse(row.config) as ReturnType<typeof ukMarketConfig>;
  // A market made elsewhere without aliases is left as it is.
  if (!config.propertyTypeAliases || config.propertyTypeAliases.houses === best) return;
  config.propertyTypeAliases = { ...config.propertyTypeAliases, houses: best, house: best };
  await saveMarketConfig(store.db, config);
}

