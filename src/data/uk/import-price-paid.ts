// HM Land Registry Price Paid Data (pp-complete.csv, the yearly and monthly files): 16 quoted columns, no
// header. Each record becomes a sale keyed by its transaction id, linked to the register property with the
// same normalised address in its postcode (a new one when there is none). The monthly files' C records
// replace and D records delete the earlier record of the same id; category B records are kept as
// non-market sales unless asked otherwise.
//
// The file is read as byte-counted lines and split by a small RFC 4180 splitter rather than csv-parse: the
// layout is fixed and every field quoted, and this loop is the import's hot path (see bench/uk.bench.ts).
// Progress (byte offset and line) commits in the same transaction as each batch, so an interrupted import
// resumes where it stopped; replaying a file is harmless anyway, every write being keyed by transaction id.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Store } from '../../store/database.js';
import {
  countEpcCertificates,
  countSalesByPropertyType,
  ensureUkMarketRow,
  loadPostcodeCentroids,
  loadRegisterKeys,
  openPricePaidWriter,
  readImportProgress,
  saveMarketConfig,
  type PricePaidBatch,
  type PricePaidSale,
} from '../../store/repositories/uk.js';
import { formatPostcode, formatPpdAddress, matchAddressKey, postcodeKey, ppdAddressKey } from './address.js';
import { readLineChunks, splitCsvLine } from './read-lines.js';
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
  /** Rows per transaction. */
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
}

const PPD_FIELDS = 16;

function firstToken(key: string): string {
  const space = key.indexOf(' ');
  return space === -1 ? key : key.slice(0, space);
}

interface Place {
  postcode: string;
  pcKey: string;
  centroid: [number, number];
}

// A sale's own attributes take few distinct values: their JSON is made once per combination.
const saleAttributeJson = new Map<string, string>();
function saleAttributes(type: string, tenure: string | null, newBuild: string, category: string): string {
  const key = `${type}|${tenure}|${newBuild}|${category}`;
  let json = saleAttributeJson.get(key);
  if (json === undefined) {
    json = JSON.stringify({ property_type: type, tenure, new_build: newBuild, ppd_category: category });
    saleAttributeJson.set(key, json);
  }
  return json;
}

export async function importPricePaid(store: Store, path: string, options: ImportPricePaidOptions): Promise<ImportPricePaidReport> {
  const file = resolve(path);
  const stat = statSync(file);
  const fingerprint = `${file}|${stat.size}|${Math.round(stat.mtimeMs)}`;
  const marketId = options.marketId;
  await ensureUkMarketRow(store.db, ukMarketConfig({ id: marketId, name: options.marketName ?? marketId }));

  const report: ImportPricePaidReport = {
    file,
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
  if (options.resume !== false) {
    const progress = await readImportProgress(store.db, marketId, 'ppd', fingerprint);
    if (progress && !progress.done) {
      startOffset = Number(progress.offset);
      startLine = Number(progress.line) + 1;
      report.resumedFromLine = startLine;
    }
  }

  const centroids = await loadPostcodeCentroids(store.db);
  const places = new Map<string, Place | string>();
  const typeCounts = new Map<string, number>();
  // The register as the importer sees it: "POSTCODEKEY:ADDRESS KEY" → property id, and each postcode's keys
  // for the prefix match of addresses written at different lengths.
  const propertyIds = new Map<string, number>();
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
    propertyIds.set(p.source_key, p.id);
    const sep = p.source_key.indexOf(':');
    if (sep > 0) rememberKey(p.source_key.slice(0, sep), p.source_key.slice(sep + 1));
  }

  const writer = openPricePaidWriter(store, marketId);
  const includeB = options.includeCategoryB === true;
  // A batch is one write transaction: small enough that other writers to the same SQLite file (the API's
  // ledger and jobs) wait well under their busy timeout.
  const batchSize = options.batchSize ?? 20_000;
  const fields: string[] = new Array(PPD_FIELDS + 4);

  let batch: PricePaidBatch = { newProperties: [], sales: [], deletions: [], progress: null };
  // Within a batch the last record of a transaction id wins: key → index in batch.sales, or -1 for a deletion.
  let pending = new Map<string, number>();
  // Record status (A or C) of each entry of batch.sales.
  let statuses: string[] = [];
  // Properties created in this batch, key → -(index + 1) until the writer returns their ids.
  let batchNew = new Map<string, number>();
  let rowsInBatch = 0;

  const flush = async (offset: number, line: number, done: boolean) => {
    batch.progress = { fingerprint, offset, line, done };
    const deletions = batch.deletions.length;
    const sales = batch.sales.filter((s) => s.sourceKey !== '');
    const result = await writer.write({ ...batch, sales });
    batch.newProperties.forEach((p, i) => propertyIds.set(p.sourceKey, result.propertyIds[i]!));
    report.propertiesCreated += batch.newProperties.length;
    report.deleted += result.deleted;
    report.deletedUnknown += deletions - result.deleted;
    for (let i = 0; i < batch.sales.length; i++) {
      if (batch.sales[i]!.sourceKey === '') continue;
      if (statuses[i] === 'C') report.changed++;
      else report.added++;
    }
    batch = { newProperties: [], sales: [], deletions: [], progress: null };
    pending = new Map();
    statuses = [];
    batchNew = new Map();
    rowsInBatch = 0;
  };

  const resolveProperty = (pcKey: string, postcode: string, addressKey: string, f: string[], type: UkPropertyType | null, tenure: string | null, lat: number, lon: number): number => {
    const fullKey = `${pcKey}:${addressKey}`;
    const known = propertyIds.get(fullKey) ?? batchNew.get(fullKey);
    if (known !== undefined) return known;
    const siblings = keysByPostcode.get(`${pcKey} ${firstToken(addressKey)}`);
    if (siblings) {
      const match = matchAddressKey(addressKey, siblings);
      if (match !== null) {
        const id = propertyIds.get(`${pcKey}:${match}`) ?? batchNew.get(`${pcKey}:${match}`);
        if (id !== undefined) return id;
      }
    }
    const ref = -(batch.newProperties.length + 1);
    batch.newProperties.push({
      sourceKey: fullKey,
      address: formatPpdAddress({ saon: f[8]!, paon: f[7]!, street: f[9]!, locality: f[10]!, town: f[11]! }),
      postcode,
      postcodeKey: pcKey,
      latitude: lat,
      longitude: lon,
      propertyType: type,
      attributes: JSON.stringify({ property_type: type, tenure, location_precision: 'postcode', district: f[12] || null, county: f[13] || null }),
    });
    batchNew.set(fullKey, ref);
    rememberKey(pcKey, addressKey);
    return ref;
  };

  let carry: { text: string; line: number } | null = null;
  let lastOffset = startOffset;
  let lastLine = startLine - 1;
  const total = stat.size;
  let rowsSeen = 0;

  try {
    for await (const chunk of readLineChunks(file, startOffset, startLine)) {
      for (let i = 0; i < chunk.lines.length; i++) {
        const lineNo = chunk.firstLine + i;
        let text = chunk.lines[i]!;
        let recordLine = lineNo;
        if (carry) {
          text = `${carry.text}\n${text}`;
          recordLine = carry.line;
          carry = null;
        }
        report.lines++;
        if (text.trim() === '') {
          report.blankLines++;
          continue;
        }
        const n = splitCsvLine(text, fields);
        if (n === -1) {
          // A quoted field running over the line end: join the next line (bounded, so a stray quote is reported).
          if (lineNo - recordLine < 5) carry = { text, line: recordLine };
          else {
            report.records++;
            reject(recordLine, 'unterminated quoted field');
          }
          continue;
        }
        rowsSeen++;
        rowsInBatch++;
        report.records++;
        handleRecord(fields, n, recordLine);
      }
      lastOffset = chunk.endOffset;
      lastLine = chunk.firstLine + chunk.lines.length - 1;
      if (rowsInBatch >= batchSize && !carry) await flush(lastOffset, lastLine, false);
      options.progress?.update(lastOffset, total, rowsSeen);
    }
    const unfinished = carry as { text: string; line: number } | null;
    if (unfinished) {
      report.records++;
      reject(unfinished.line, 'unterminated quoted field at end of file');
    }
    await flush(lastOffset, lastLine, true);
  } finally {
    await writer.close();
    options.progress?.finish();
  }

  await updateHouseAlias(store, marketId, typeCounts);
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
    return { postcode, pcKey, centroid };
  }

  function handleRecord(f: string[], n: number, line: number): void {
    if (n !== PPD_FIELDS) return reject(line, `expected ${PPD_FIELDS} fields, found ${n}`);
    const raw = f[0]!;
    const id = (raw.charCodeAt(0) === 123 && raw.charCodeAt(raw.length - 1) === 125 ? raw.slice(1, -1) : raw.replace(/^\{|\}$/g, '').trim()).toUpperCase();
    if (!id) return reject(line, 'transaction id (field 1) is empty');
    const status = f[15]!.trim().toUpperCase();
    if (status === 'D') {
      const prior = pending.get(id);
      if (prior !== undefined) report.superseded++;
      if (prior !== undefined && prior >= 0) batch.sales[prior]!.sourceKey = ''; // dropped at flush
      if (prior !== -1) batch.deletions.push(id);
      pending.set(id, -1);
      return;
    }
    if (status !== 'A' && status !== 'C') return reject(line, `record status (field 16) must be A, C or D, not "${f[15]}"`);
    const price = Number(f[1]);
    if (!f[1] || !Number.isInteger(price) || price <= 0) return reject(line, `price (field 2) is not a positive whole number: "${f[1]}"`);
    const date = f[2]!;
    if (!/^\d{4}-\d{2}-\d{2}/.test(date)) return reject(line, `date of transfer (field 3) is not YYYY-MM-DD: "${date}"`);
    const saleDate = date.slice(0, 10);
    const place = placeOf(f[3]!);
    if (typeof place === 'string') return reject(line, place);
    const { postcode, pcKey, centroid } = place;
    const typeCode = f[4]!.toUpperCase();
    const type = typeFromPpdCode(typeCode);
    if (!type) return reject(line, `property type (field 5) must be D, S, T, F or O, not "${f[4]}"`);
    const newBuild = f[5]!.toUpperCase();
    if (newBuild !== 'Y' && newBuild !== 'N') return reject(line, `old/new (field 6) must be Y or N, not "${f[5]}"`);
    const duration = f[6]!.toUpperCase();
    const tenure = duration === 'F' ? 'Freehold' : duration === 'L' ? 'Leasehold' : duration === 'U' || duration === '' ? null : undefined;
    if (tenure === undefined) return reject(line, `duration (field 7) must be F, L or U, not "${f[6]}"`);
    const category = f[14]!.toUpperCase();
    if (category !== 'A' && category !== 'B') return reject(line, `PPD category (field 15) must be A or B, not "${f[14]}"`);
    const addressKey = ppdAddressKey(f[8]!, f[7]!, f[9]!);
    if (!addressKey) return reject(line, 'PAON, SAON and street (fields 8-10) are all empty: the sale cannot be linked to a property');

    const propertyRef = resolveProperty(pcKey, postcode, addressKey, f, type, tenure, centroid[0], centroid[1]);
    if (category === 'B') report.categoryB++;
    typeCounts.set(type, (typeCounts.get(type) ?? 0) + 1);
    const isMarket = category === 'A' || includeB ? 1 : 0;
    const sale: PricePaidSale = {
      sourceKey: id,
      propertyRef,
      saleDate,
      price,
      isMarket,
      nonMarketReason: isMarket ? null : 'ppd_category_b',
      attributes: saleAttributes(type, tenure, newBuild, category),
    };
    const prior = pending.get(id);
    if (prior !== undefined) report.superseded++;
    if (prior !== undefined && prior >= 0) batch.sales[prior]!.sourceKey = ''; // replaced by this later record
    else if (prior === -1) batch.deletions = batch.deletions.filter((d) => d !== id);
    pending.set(id, batch.sales.length);
    batch.sales.push(sale);
    statuses.push(status);
  }
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

