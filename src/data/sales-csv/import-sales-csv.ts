// Streams a sales CSV into a market: every row validated (a rejected row is reported with its line and
// reason), the accepted rows upserted in chunks inside ONE transaction, so an import either lands whole or
// leaves the database as it was. Memory stays flat whatever the file size: the parser is paused while each
// chunk is written, and only bounded things are kept (the chunk, categorical levels, the first rejections).
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import { sql } from 'kysely';
import type { MarketConfig } from '../../engine/types.js';
import type { Store } from '../../store/database.js';
import { findMarket, insertMarketIfAbsent, touchMarket, updateMarketConfig } from '../../store/repositories/markets.js';
import {
  countMarketSales,
  refreshRepeatSaleProperties,
  upsertProperties,
  upsertSales,
  type SaleCounts,
} from '../../store/repositories/sales.js';
import { MappingError, parseColumnMapping } from './column-mapping.js';
import { createSaleRowReader, type SaleRow } from './sale-row-reader.js';
import { sortedUnion, withLevelsFrom } from './market-levels.js';

export interface RejectedRow {
  /** 1-based line of the file on which the row ends (the header is line 1). */
  line: number;
  reason: string;
}

export interface ImportProgress {
  rows: number;
  imported: number;
  rejected: number;
  bytesRead: number;
  /** The file's size when importing a file; undefined for a stream. */
  totalBytes?: number;
}

export interface ImportSalesCsvOptions {
  marketId: string;
  /** A path to read, or … */
  file?: string;
  /** … an open byte stream of CSV text. */
  stream?: Readable;
  /** A ColumnMapping (checked here; plain JSON is fine). */
  mapping: unknown;
  /** Create the market with this config when it does not exist yet (in the same transaction). */
  createWith?: MarketConfig;
  /**
   * With createWith: import only if this call creates the market, else throw MarketAlreadyExistsError having
   * written nothing. Decided under the write lock, so two processes racing to create a market import it once.
   */
  onlyIntoNewMarket?: boolean;
  /**
   * When the market exists, replace its config with this one (keeping the categorical levels its sales
   * already have) before importing, e.g. after its market.json was edited.
   */
  replaceConfig?: MarketConfig;
  /** Fail (and write nothing) when more than this share of rows is rejected. Default 0.05. */
  maxRejectedShare?: number;
  /** Rows per insert statement. */
  chunkSize?: number;
  /** Rejections kept in the report; the count is always exact. Default 100,000. */
  maxReportedRejections?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Called for every rejected row, also those beyond maxReportedRejections. */
  onRejection?: (rejection: RejectedRow) => void;
  /** Today's date, YYYY-MM-DD (later sale dates are rejected); default the current UTC date. */
  today?: string;
}

export interface ImportReport {
  marketId: string;
  /** Whether this import created the market. */
  created: boolean;
  /** Data rows read (the header not counted; blank lines skipped). */
  rows: number;
  /** Rows accepted and written (a sale id repeated in the file is written once: its last row wins). */
  imported: number;
  rejected: number;
  rejections: RejectedRow[];
  /** Accepted sales flagged non-market, by reason. */
  nonMarket: Record<string, number>;
  before: SaleCounts;
  after: SaleCounts;
  /** The market's config after the import (categorical levels updated). */
  config: MarketConfig;
  durationMs: number;
}

/** An import that wrote nothing. `field` names the option or mapping field to fix, when one is to blame. */
export class SalesImportError extends Error {
  constructor(
    message: string,
    readonly field?: string,
    /** How far the import got (rows read, the rejections) before it failed, when it got that far. */
    readonly partial?: Pick<ImportReport, 'rows' | 'imported' | 'rejected' | 'rejections'>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class MarketAlreadyExistsError extends SalesImportError {
  constructor(readonly marketId: string) {
    super(`market '${marketId}' already exists`, 'marketId');
  }
}

const DEFAULT_CHUNK_SIZE = 1000;
const MAX_LEVELS = 10_000;
const PROGRESS_EVERY = 10_000;

export async function importSalesCsv(store: Store, options: ImportSalesCsvOptions): Promise<ImportReport> {
  const started = Date.now();
  let mapping;
  try {
    mapping = parseColumnMapping(options.mapping);
  } catch (error) {
    if (error instanceof MappingError) throw new SalesImportError(error.message, error.field);
    throw error;
  }
  if (!options.file === !options.stream) throw new SalesImportError('give exactly one of file and stream', 'file');
  const maxRejectedShare = options.maxRejectedShare ?? 0.05;
  if (!(maxRejectedShare >= 0 && maxRejectedShare <= 1)) throw new SalesImportError('maxRejectedShare must be within 0..1', 'maxRejectedShare');
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const maxReported = options.maxReportedRejections ?? 100_000;
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const { marketId } = options;
  for (const key of ['createWith', 'replaceConfig'] as const) {
    const given = options[key];
    if (given && given.id !== marketId) throw new SalesImportError(`${key}.id '${given.id}' differs from marketId '${marketId}'`, `${key}.id`);
  }

  let totalBytes: number | undefined;
  if (options.file) {
    try {
      totalBytes = statSync(options.file).size;
    } catch (error) {
      throw new SalesImportError(`cannot read ${options.file}: ${(error as Error).message}`, 'file', undefined, { cause: error });
    }
  }
  const source = options.stream ?? createReadStream(options.file!);
  const parser = parse({ bom: true, relax_column_count: true, skip_records_with_error: true, skip_empty_lines: true, info: true });
  // An error may arrive before the rows are iterated (a small file is buffered at once); keep it for then.
  let streamError: Error | undefined;
  parser.on('error', (error: Error) => {
    streamError ??= error;
  });
  source.on('error', (error: Error) => parser.destroy(error));
  source.pipe(parser);

  let rows = 0;
  let imported = 0;
  let rejected = 0;
  const rejections: RejectedRow[] = [];
  const recordRejection = (line: number, reason: string) => {
    rejected++;
    const rejection = { line, reason };
    if (rejections.length < maxReported) rejections.push(rejection);
    options.onRejection?.(rejection);
  };
  // A record csv-parse cannot parse at all (a broken quote) is skipped by it and reported here.
  parser.on('skip', (error: Error & { lines?: number }) => {
    rows++;
    recordRejection(error.lines ?? 0, `unreadable CSV: ${error.message}`);
  });
  const partial = () => ({ rows, imported, rejected, rejections });
  const nonMarket: Record<string, number> = {};

  try {
    if (store.dialect === 'sqlite') {
      // The default 2 MB page cache makes every index insert of a large import a read from disk once the
      // indexes outgrow it; 64 MB (a fixed bound, so memory stays flat) keeps their hot pages in memory.
      await sql`pragma cache_size = -65536`.execute(store.db);
    }
    const result = await store.db.transaction().execute(async (trx) => {
      // Writing first takes SQLite's write lock at once (a read-then-write transaction could fail to upgrade).
      const created = options.createWith ? await insertMarketIfAbsent(trx, options.createWith) : false;
      if (options.onlyIntoNewMarket && !created) throw new MarketAlreadyExistsError(marketId);
      if (!(await touchMarket(trx, marketId))) {
        throw new SalesImportError(`there is no market '${marketId}' (create it with --create, or import into an existing one)`, 'marketId');
      }
      const market = (await findMarket(trx, marketId))!;
      const config = !created && options.replaceConfig ? withLevelsFrom(options.replaceConfig, market.config) : market.config;
      const before = created ? { sales: 0, marketSales: 0, properties: 0 } : await countMarketSales(trx, marketId);
      const categorical = config.features.filter((f) => f.kind === 'categorical').map((f) => f.name);
      const seen = new Map<string, Set<string>>(categorical.map((name) => [name, new Set<string>()]));
      const seenTypes = new Set<string>();

      let header: string[] | null = null;
      let readRow: ReturnType<typeof createSaleRowReader> | null = null;
      let chunk: SaleRow[] = [];
      const flush = async () => {
        if (chunk.length === 0) return;
        await writeChunk(trx, marketId, chunk);
        chunk = [];
      };

      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
        if (!header) {
          header = record;
          try {
            readRow = createSaleRowReader(header, mapping, config, { today });
          } catch (error) {
            if (error instanceof MappingError) throw new SalesImportError(error.message, error.field);
            throw error;
          }
          continue;
        }
        rows++;
        if (record.length !== header.length) {
          recordRejection(info.lines, `expected ${header.length} fields, found ${record.length}`);
        } else {
          const result = readRow!(record);
          if (!result.ok) recordRejection(info.lines, result.reason);
          else {
            const sale = result.sale;
            for (const name of categorical) {
              const value = sale.attributes[name];
              if (typeof value !== 'string') continue;
              const levels = seen.get(name)!;
              levels.add(value);
              if (levels.size > MAX_LEVELS) {
                throw new SalesImportError(`feature '${name}' has more than ${MAX_LEVELS} distinct values; map it as numeric or leave it out`, `mapping.features.${name}`);
              }
            }
            if (sale.propertyType !== null) seenTypes.add(sale.propertyType);
            if (sale.nonMarketReason) nonMarket[sale.nonMarketReason] = (nonMarket[sale.nonMarketReason] ?? 0) + 1;
            imported++;
            chunk.push(sale);
            if (chunk.length >= chunkSize) await flush();
          }
        }
        if (rows % PROGRESS_EVERY === 0) options.onProgress?.({ rows, imported, rejected, bytesRead: info.bytes, totalBytes });
      }
      if (streamError) throw streamError;
      await flush();
      if (!header) throw new SalesImportError('the file is empty: no header line', 'file');
      if (rows > 0 && rejected / rows > maxRejectedShare) {
        throw new SalesImportError(
          `${rejected} of ${rows} rows were rejected (${pct(rejected / rows)}), more than the ${pct(maxRejectedShare)} allowed; nothing was imported`,
          'maxRejectedShare',
        );
      }
      options.onProgress?.({ rows, imported, rejected, bytesRead: totalBytes ?? 0, totalBytes });

      const after = await countMarketSales(trx, marketId);
      // Only a property with two or more sales can have been given an older sale's attributes.
      if (after.sales > after.properties) await refreshRepeatSaleProperties(trx, store.dialect, marketId);
      const updated = withSeenLevels(config, seen, seenTypes);
      await updateMarketConfig(trx, updated);
      return { created, before, after, config: updated };
    });
    return { marketId, rows, imported, rejected, rejections, nonMarket, ...result, durationMs: Date.now() - started };
  } catch (error) {
    source.destroy();
    parser.destroy();
    if (error instanceof MarketAlreadyExistsError) throw error;
    if (error instanceof SalesImportError) {
      throw new SalesImportError(error.message, error.field, partial(), { cause: error.cause });
    }
    throw new SalesImportError(`import into '${marketId}' failed, nothing was written: ${(error as Error).message}`, undefined, partial(), { cause: error });
  }
}

async function writeChunk(db: Parameters<typeof upsertSales>[0], marketId: string, chunk: SaleRow[]): Promise<void> {
  // A sale id or a property may appear twice in one chunk; one statement must not touch a row twice.
  const sales = new Map<string, SaleRow>();
  for (const sale of chunk) sales.set(sale.saleKey, sale);
  const latestByProperty = new Map<string, SaleRow>();
  for (const sale of sales.values()) {
    const current = latestByProperty.get(sale.propertyKey);
    if (!current || sale.saleDate >= current.saleDate) latestByProperty.set(sale.propertyKey, sale);
  }
  const ids = await upsertProperties(
    db,
    marketId,
    [...latestByProperty.values()].map((s) => ({
      sourceKey: s.propertyKey,
      address: s.address,
      postcode: s.postcode,
      latitude: s.latitude,
      longitude: s.longitude,
      propertyType: s.propertyType,
      attributes: JSON.stringify(s.attributes),
    })),
  );
  await upsertSales(
    db,
    marketId,
    [...sales.values()].map((s) => ({
      propertyId: ids.get(s.propertyKey)!,
      sourceKey: s.saleKey,
      saleDate: s.saleDate,
      price: s.price,
      isMarket: s.nonMarketReason === null,
      nonMarketReason: s.nonMarketReason,
      attributes: JSON.stringify(s.attributes),
    })),
  );
}

/** The config with each categorical's levels (and an open market's property types) grown by what was seen. */
function withSeenLevels(config: MarketConfig, seen: Map<string, Set<string>>, seenTypes: Set<string>): MarketConfig {
  const propertyTypes = config.propertyTypes.length > 0 ? config.propertyTypes : sortedUnion([], seenTypes);
  return {
    ...config,
    propertyTypes,
    features: config.features.map((f) => {
      if (f.kind !== 'categorical') return f;
      const values = f.name === 'property_type' ? seenTypes : seen.get(f.name) ?? new Set<string>();
      return { ...f, levels: sortedUnion(f.levels ?? [], values) };
    }),
  };
}


function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
