// HM Land Registry Price Paid Data (pp-complete.csv, the yearly and monthly files): 16 quoted columns, no
// header. Each record becomes a sale keyed by its transaction id, linked to the register property with the
// same normalised address in its postcode (a new one when there is none). The monthly files' C records
// replace and D records delete the earlier record of the same id; category B records are kept as
// non-market sales unless asked otherwise.
//
// Throughput (docs/uk-data.md, bench/uk.bench.ts): a worker thread reads, checks and links the records
// (price-paid-worker.ts, price-paid-batcher.ts) while this thread writes the batch before, so the two
// cores share the work; a batch crosses over as buffers, not as an object per row.
//
// Two ways to write (price-paid-writer.ts), the same records either way:
// - batched (default): each batch of rows commits with the byte offset and line it reached, so an
//   interrupted import resumes there; replaying a file is harmless anyway, every write being keyed by
//   transaction id.
// - bulk (SQLite, a market with no sales yet and a file large against the database's sales): one
//   transaction for the whole file, secondary indexes built once at the end. All or nothing: an interrupted
//   bulk import leaves the market as it was, and running it again starts from line 1.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Store } from '../../store/database.js';
import { unpackProperties, type PricePaidBatch, type PricePaidSaleKind } from '../../store/repositories/price-paid-batch.js';
import { openPricePaidWriter } from '../../store/repositories/price-paid-writer.js';
import {
  countAllSales,
  countEpcCertificates,
  countSalesByPropertyType,
  ensureUkMarketRow,
  loadPostcodeCentroids,
  loadRegisterKeys,
  marketHasSales,
  readImportProgress,
  saveMarketConfig,
} from '../../store/repositories/uk.js';
import { TENURES, TYPES, type BatcherCounts, type Rejection } from './price-paid-batcher.js';
import type { PricePaidReadMessage, PricePaidReadRequest } from './price-paid-worker.js';
import type { UkPropertyType } from './uk-fields.js';
import { ukMarketConfig } from './uk-market-config.js';
import { linkUkRegister, type LinkReport } from './link-register.js';
import type { ProgressReporter } from './progress.js';

export type { Rejection } from './price-paid-batcher.js';

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
  /**
   * A bulk import that had the database file to itself (no other connection had it open), so it wrote the
   * file once through a rollback journal rather than through the WAL; false otherwise.
   */
  exclusive: boolean;
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
  /**
   * Where the main thread's time went: writing batches (wall seconds), and finishing (a bulk import's sorted
   * insert, index builds and commit; wall and process CPU seconds); the rest is setup and waiting for the
   * reading worker.
   */
  timing: {
    writeSeconds: number;
    finishSeconds: number;
    finishCpuSeconds: number;
    /** Wall seconds of each step of a bulk finish (sorted insert, each index, commit). */
    finishSteps: Record<string, number>;
  };
}

/** Below this a file is imported in batches whatever the market holds (about 180,000 lines). */
export const BULK_MIN_BYTES = 32 << 20;
/** Bytes of an average Price Paid line, to estimate a file's rows from its size. */
const BYTES_PER_LINE = 180;

/**
 * Rows in a bulk import's batch: about a twentieth of the file, from 250,000 to 1,000,000. Each batch's new
 * properties go into the properties' unique key and postcode indexes in one sweep across them, so the fewer
 * the batches, the less of those indexes is rewritten; a larger batch holds more memory (two wait for the
 * writer) and makes the writer wait longer for the first. Measured at 30 million rows, batches of 1,000,000
 * against 250,000: 183,500 against 165,885 rows/s (the main thread writing 101.7 s against 124.6), peak RSS
 * 3.3 against 2.8 GB; at 5 million rows, 50,000 to 250,000 made no difference.
 */
export function bulkBatchSize(expectedRows: number): number {
  return Math.min(1_000_000, Math.max(250_000, Math.round(expectedRows / 20 / 1000) * 1000));
}

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

export async function importPricePaid(store: Store, path: string, options: ImportPricePaidOptions): Promise<ImportPricePaidReport> {
  const file = resolve(path);
  const stat = statSync(file);
  const fingerprint = `${file}|${stat.size}|${Math.round(stat.mtimeMs)}`;
  const marketId = options.marketId;
  await ensureUkMarketRow(store.db, ukMarketConfig({ id: marketId, name: options.marketName ?? marketId }));

  const report: ImportPricePaidReport = {
    file,
    mode: 'batched',
    exclusive: false,
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
    timing: { writeSeconds: 0, finishSeconds: 0, finishCpuSeconds: 0, finishSteps: {} },
  };
  const keep = options.keepRejections ?? 1000;

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

  const register = await loadRegisterKeys(store.db, marketId);
  // Register index → property id; the writer fills in the ids of the properties each batch adds.
  const registerIds = register.map((p) => p.id);
  // A batched import's batch is one write transaction: small enough that other writers to the same SQLite
  // file (the API's ledger and jobs) wait well under their busy timeout. A bulk import holds the lock
  // throughout (bulkBatchSize).
  const expectedRows = Math.ceil((stat.size - startOffset) / BYTES_PER_LINE);
  const batchSize = options.batchSize ?? (bulk ? bulkBatchSize(expectedRows) : 20_000);
  const request: PricePaidReadRequest = {
    file,
    startOffset,
    startLine,
    batchSize,
    fingerprint,
    expectedRows,
    centroids: await loadPostcodeCentroids(store.db),
    registerKeys: register.map((p) => p.source_key),
  };

  // Opened last: a bulk writer takes the store's connection until it is closed (nothing else may use it).
  const writer = await openPricePaidWriter(store, marketId, { saleKinds: saleKinds(options.includeCategoryB === true), bulk });
  report.exclusive = writer.exclusive;

  const take = (counts: BatcherCounts, lines: number, rejections: Rejection[]) => {
    report.records = counts.records;
    report.rejected = counts.rejected;
    report.blankLines = counts.blankLines;
    report.categoryB = counts.categoryB;
    report.superseded = counts.superseded;
    report.lines = lines;
    for (const r of rejections) {
      if (report.rejections.length < keep) report.rejections.push(r);
      options.onReject?.(r);
    }
  };
  let counts: BatcherCounts | null = null;
  const reading = startReading(request);
  try {
    for (;;) {
      const message = await reading.next();
      take(message.counts, message.lines, message.rejections);
      if (message.type === 'progress') options.progress?.update(message.offset, stat.size, message.rows);
      else if (message.type === 'batch') {
        const batch: PricePaidBatch = { ...message.batch, properties: unpackProperties(message.batch.properties) };
        const result = await timed(
          () => writer.write(batch, registerIds),
          (seconds) => (report.timing.writeSeconds += seconds),
        );
        reading.written();
        report.propertiesCreated += batch.properties.sourceKey.length;
        report.deleted += result.deleted;
        report.deletedUnknown += batch.deletions.length - result.deleted;
        report.added = message.counts.added;
        report.changed = message.counts.changed;
      } else {
        counts = message.counts;
        break;
      }
    }
    report.timing.finishSteps = await timed(
      () => writer.finish(),
      (seconds, cpu) => {
        report.timing.finishSeconds += seconds;
        report.timing.finishCpuSeconds += cpu;
      },
    );
  } finally {
    await reading.stop();
    await writer.close();
    options.progress?.finish();
  }

  await updateHouseAlias(store, marketId, new Map(TYPES.map((t, i) => [t, counts!.typeCounts[i]!])));
  if (options.link !== false && (await countEpcCertificates(store.db, marketId)) > 0) {
    report.link = await linkUkRegister(store, marketId);
  }
  return report;
}

async function timed<T>(work: () => Promise<T>, add: (seconds: number, cpuSeconds: number) => void): Promise<T> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    return await work();
  } finally {
    const used = process.cpuUsage(cpu);
    add((performance.now() - started) / 1000, (used.user + used.system) / 1e6);
  }
}

interface Reading {
  /** The worker's next message, in the order posted; throws what the worker threw. */
  next(): Promise<PricePaidReadMessage>;
  /** Tells the worker a batch is written (it reads ahead by a bounded number of batches). */
  written(): void;
  stop(): Promise<void>;
}

function startReading(request: PricePaidReadRequest): Reading {
  const worker = new Worker(new URL('./price-paid-worker.js', import.meta.url), { workerData: { kind: 'price-paid-read', request } });
  const queue: PricePaidReadMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  worker.on('message', (message: PricePaidReadMessage) => {
    if (message.type === 'batch') {
      // Transferred buffers arrive as plain typed arrays.
      const s = message.batch.sales as Uint8Array;
      message.batch.sales = Buffer.from(s.buffer, s.byteOffset, s.byteLength);
    }
    queue.push(message);
    notify();
  });
  worker.on('error', (error) => {
    failure = error;
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });
  return {
    async next() {
      for (;;) {
        const message = queue.shift();
        if (message) return message;
        if (failure) throw failure;
        if (exited) throw new Error('the Price Paid reader stopped before the end of the file');
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    written() {
      worker.postMessage('written');
    },
    async stop() {
      await worker.terminate();
    },
  };
}

async function chooseBulk(store: Store, marketId: string, fileBytes: number, pendingProgress: boolean, asked: boolean | undefined): Promise<boolean> {
  if (store.dialect !== 'sqlite' || store.location === ':memory:') return false;
  if (asked === false) return false;
  if (pendingProgress || (await marketHasSales(store.db, marketId))) return false;
  if (asked === true) return true;
  if (fileBytes < BULK_MIN_BYTES) return false;
  return fileBytes / BYTES_PER_LINE >= (await countAllSales(store.db)) / 2;
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

