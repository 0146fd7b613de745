// `valora import --market ID --file sales.csv --mapping mapping.json [--create …]`: loads a sales CSV into a
// market through the generic importer. With only --market and a bundled market's id it re-imports that
// market's own file.
import { readFileSync } from 'node:fs';
import { cliArgs, STORE_OPTIONS } from '../cli-options.js';
import { resolveStoreUrl } from '../../config.js';
import type { FeatureSpec, MarketConfig } from '../../engine/types.js';
import { GADSDEN_CONFIDENCE_TIERS } from '../../engine/confidence.js';
import { openStore, redactUrl } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrate.js';
import { importSalesCsv, SalesImportError, type ImportProgress, type ImportReport, type RejectedRow } from '../../data/sales-csv/import-sales-csv.js';
import { MappingError, parseColumnMapping, type ColumnMapping } from '../../data/sales-csv/column-mapping.js';
import { parseMarketConfig } from '../../services/markets/market-definition.js';
import { BUNDLED_MARKET_IDS, readBundledMarket, type BundledMarketId } from '../../services/markets/bundled-markets.js';
import { CliError } from '../cli-error.js';

const USAGE = `usage: valora import --market ID --file SALES.csv --mapping MAPPING.json [options]
       valora import --market BUNDLED_ID            (re-import a bundled market from markets/ID/)

Loads a sales CSV into a market. Every row is checked; rejected rows are listed with their line number and
reason. The import is one transaction: if it fails (or more than --max-rejected-share of rows is rejected)
nothing is written. Importing the same file again changes nothing (sales are keyed by their id).

options:
  --market ID                 the market to import into
  --file FILE                 the sales CSV (header line first)
  --mapping FILE              a column mapping JSON, or a market.json ({ "config", "source": { "mapping" } })
  --create                    create the market if it does not exist (from the market.json's config, or
                              from the mapping and the options below)
  --name NAME                 market name when created (default: the id)
  --country CC                ISO country code when created (default US)
  --currency CUR              ISO currency when created (default USD)
  --area-unit sqft|sqm        floor area unit when created (default sqft)
  --min-price N, --max-price N  prices outside are flagged non-market (created markets; default 10000, 20000000)
  --max-rejected-share X      fail when more than this share of rows is rejected (default 0.05)
  --json                      print the report as JSON (every rejected row)
  --database-url URL          postgres://… or a SQLite file (default: DATABASE_URL, else <data dir>/valora.sqlite)
  --data-dir DIR              data directory (default: VALORA_DATA_DIR, else <repo>/data)`;

const SHOWN_REJECTIONS = 20;

export async function run(argv: string[]): Promise<number> {
  const { values } = cliArgs({
    args: argv,
    options: {
      market: { type: 'string' },
      file: { type: 'string' },
      mapping: { type: 'string' },
      create: { type: 'boolean' },
      name: { type: 'string' },
      country: { type: 'string' },
      currency: { type: 'string' },
      'area-unit': { type: 'string' },
      'min-price': { type: 'string' },
      'max-price': { type: 'string' },
      'max-rejected-share': { type: 'string' },
      json: { type: 'boolean' },
      ...STORE_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const marketId = values.market;
  if (!marketId) throw new CliError(`--market is required\n\n${USAGE}`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(marketId)) throw new CliError(`--market '${marketId}': use lower-case letters, digits and hyphens`);
  const maxRejectedShare = optionalNumber(values['max-rejected-share'], '--max-rejected-share');
  if (maxRejectedShare !== undefined && !(maxRejectedShare >= 0 && maxRejectedShare <= 1)) throw new CliError('--max-rejected-share must be within 0..1');

  let file: string;
  let mapping: ColumnMapping;
  let createWith: MarketConfig | undefined;
  // A market.json (bundled or given) is the market's definition: its config replaces the stored one.
  let replaceConfig: MarketConfig | undefined;
  if (!values.file && !values.mapping) {
    if (!(BUNDLED_MARKET_IDS as readonly string[]).includes(marketId)) {
      throw new CliError(`--file and --mapping are required ('${marketId}' is not a bundled market: ${BUNDLED_MARKET_IDS.join(', ')})`);
    }
    const definition = readBundledMarket(marketId as BundledMarketId);
    file = definition.salesFile;
    mapping = definition.mapping;
    createWith = definition.config;
    replaceConfig = definition.config;
  } else {
    if (!values.file) throw new CliError('--file is required with --mapping');
    if (!values.mapping) throw new CliError('--mapping is required with --file');
    file = values.file;
    const json = readJson(values.mapping);
    try {
      if (json && typeof json === 'object' && 'config' in json && 'source' in json) {
        const definition = json as { config: unknown; source: { mapping?: unknown } };
        mapping = parseColumnMapping(definition.source?.mapping, 'source.mapping');
        const config = parseMarketConfig(definition.config, 'config');
        if (config.id !== marketId) throw new CliError(`${values.mapping}: config.id '${config.id}' differs from --market '${marketId}'`);
        if (values.create) createWith = config;
        replaceConfig = config;
      } else {
        mapping = parseColumnMapping(json);
        if (values.create) createWith = configFromMapping(marketId, mapping, values);
      }
    } catch (error) {
      if (error instanceof MappingError) throw new CliError(`${values.mapping}: ${error.message}`);
      throw error;
    }
  }

  const url = resolveStoreUrl({ dataDir: values['data-dir'], databaseUrl: values['database-url'] });
  const store = await openStore({ url });
  try {
    await migrateToLatest(store);
    const progress = progressPrinter();
    let report: ImportReport;
    try {
      report = await importSalesCsv(store, {
        marketId,
        file,
        mapping,
        createWith,
        replaceConfig,
        maxRejectedShare,
        maxReportedRejections: values.json ? Number.POSITIVE_INFINITY : SHOWN_REJECTIONS,
        onProgress: progress.update,
      });
    } catch (error) {
      progress.done();
      if (!(error instanceof SalesImportError)) throw error;
      if (values.json) {
        console.log(JSON.stringify({ error: error.message, field: error.field ?? null, ...(error.partial ?? {}) }, null, 2));
      } else {
        console.error(`valora: ${error.message}`);
        if (error.partial) printRejections(error.partial.rejections, error.partial.rejected, console.error);
      }
      // A mapping, file or market to fix is a usage error (2); too many bad rows or a failed write is 1.
      return error.field && error.field !== 'maxRejectedShare' ? 2 : 1;
    }
    progress.done();
    if (values.json) {
      console.log(JSON.stringify({ ...report, database: redactUrl(store.location) }, null, 2));
    } else {
      printReport(report, store.location);
    }
    return 0;
  } finally {
    await store.close();
  }
}

function printReport(report: ImportReport, location: string): void {
  const n = (x: number) => x.toLocaleString('en-US');
  console.log(
    `market ${report.marketId}${report.created ? ' (created)' : ''}: ${n(report.rows)} rows read, ${n(report.imported)} imported, ${n(report.rejected)} rejected in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `  now ${n(report.after.sales)} sales (${n(report.after.marketSales)} market sales; ${n(report.after.sales - report.before.sales)} new) of ${n(report.after.properties)} properties, in ${location}`,
  );
  const flagged = Object.entries(report.nonMarket).sort((a, b) => b[1] - a[1]);
  if (flagged.length) console.log(`  flagged non-market: ${flagged.map(([reason, count]) => `${reason} ${n(count)}`).join(', ')}`);
  printRejections(report.rejections, report.rejected, console.log);
}

function printRejections(rejections: RejectedRow[], total: number, print: (line: string) => void): void {
  if (total === 0) return;
  const shown = rejections.slice(0, SHOWN_REJECTIONS);
  print(`rejected rows${total > shown.length ? ` (first ${shown.length} of ${total.toLocaleString('en-US')}; --json lists all)` : ''}:`);
  for (const r of shown) print(`  line ${r.line}: ${r.reason}`);
}

/** A progress line on stderr for long files: rewritten in place on a terminal, every ~5 s otherwise. */
function progressPrinter(): { update: (p: ImportProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let shown = false;
  let lastAt = Date.now();
  return {
    update(p) {
      if (p.rows < 50_000 && !shown) return;
      const now = Date.now();
      if (!tty && now - lastAt < 5000) return;
      lastAt = now;
      const share = p.totalBytes ? ` (${Math.min(100, (100 * p.bytesRead) / p.totalBytes).toFixed(0)}%)` : '';
      const line = `  ${p.rows.toLocaleString('en-US')} rows read${share}, ${p.rejected.toLocaleString('en-US')} rejected`;
      process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      shown = true;
    },
    done() {
      if (shown && tty) process.stderr.write('\n');
    },
  };
}

/** A market config for `--create` without a market.json: the mapping's features, Gadsden confidence tiers. */
function configFromMapping(id: string, mapping: ColumnMapping, values: Record<string, string | boolean | undefined>): MarketConfig {
  const areaUnit = (values['area-unit'] as string | undefined) ?? 'sqft';
  if (areaUnit !== 'sqft' && areaUnit !== 'sqm') throw new CliError(`--area-unit must be sqft or sqm, not '${areaUnit}'`);
  const currency = ((values.currency as string | undefined) ?? 'USD').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) throw new CliError(`--currency must be an ISO 4217 code such as USD, not '${values.currency}'`);
  const country = ((values.country as string | undefined) ?? 'US').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new CliError(`--country must be an ISO 3166 code such as US, not '${values.country}'`);
  const minPrice = optionalNumber(values['min-price'] as string | undefined, '--min-price') ?? 10_000;
  const maxPrice = optionalNumber(values['max-price'] as string | undefined, '--max-price') ?? 20_000_000;
  if (!(minPrice >= 0 && maxPrice > minPrice)) throw new CliError('--max-price must be above --min-price, both non-negative');
  const features: FeatureSpec[] = Object.entries(mapping.features).map(([name, source]) => ({
    name,
    kind: 'column' in source ? (source.kind ?? 'numeric') : 'numeric',
  }));
  if (mapping.propertyType && !features.some((f) => f.name === 'property_type')) features.push({ name: 'property_type', kind: 'categorical' });
  const config: MarketConfig = {
    id,
    name: (values.name as string | undefined) ?? id,
    country,
    currency,
    areaUnit,
    synthetic: false,
    propertyTypes: [],
    propertyTypeAliases: {},
    features,
    nonMarket: { minPrice, maxPrice },
    comparables: { radiusKm: 2, lookbackMonths: 60, minCount: 3, count: 5 },
    confidence: { tiers: [...GADSDEN_CONFIDENCE_TIERS] },
  };
  return parseMarketConfig(config);
}

function optionalNumber(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new CliError(`${option} must be a number, not '${text}'`);
  return value;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read --mapping ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`--mapping ${path} is not valid JSON: ${(error as Error).message}`);
  }
}
