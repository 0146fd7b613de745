// On first start (server, worker, tests) the bundled markets are imported into an empty database. Each is
// imported in its own transaction that first creates the market: when two processes start together, the
// second waits for the first's lock, finds the market created and skips it.
//
// A bundled market already in the database follows its market.json: a changed config (tiers, comparables,
// aliases, labels) is written over the stored one, keeping the categorical levels learnt from the sales; a
// changed feature list or non-market rule means the stored sales were read differently, so the market's file
// is imported again. Unchanged, a market costs one query.
import type { MarketConfig } from '../../engine/types.js';
import type { Store } from '../../store/database.js';
import { findMarket, listMarketIds, updateMarketConfig } from '../../store/repositories/markets.js';
import { importSalesCsv, MarketAlreadyExistsError, type ImportReport } from '../../data/sales-csv/import-sales-csv.js';
import { withLevelsFrom } from '../../data/sales-csv/market-levels.js';
import { BUNDLED_MARKET_IDS, readBundledMarket, type BundledMarketId } from './bundled-markets.js';
import type { MarketDefinition } from './market-definition.js';

export interface EnsureBundledMarketsOptions {
  log?: (message: string) => void;
  /** Which bundled markets to ensure (default: all). */
  only?: readonly BundledMarketId[];
}

/** Imports every bundled market not yet in the database (or whose sales must be re-read); returns those imports' reports. */
export async function ensureBundledMarkets(store: Store, options: EnsureBundledMarketsOptions = {}): Promise<ImportReport[]> {
  const present = new Set(await listMarketIds(store.db));
  const reports: ImportReport[] = [];
  for (const id of options.only ?? BUNDLED_MARKET_IDS) {
    const definition = readBundledMarket(id);
    if (present.has(id)) {
      const report = await followDefinition(store, definition, options.log);
      if (report) reports.push(report);
      continue;
    }
    try {
      reports.push(await importBundled(store, definition, { onlyIntoNewMarket: true }));
    } catch (error) {
      if (error instanceof MarketAlreadyExistsError) {
        options.log?.(`market ${id}: imported meanwhile by another process`);
        continue;
      }
      throw error;
    }
    options.log?.(describe(reports[reports.length - 1]!, definition));
  }
  return reports;
}

async function followDefinition(store: Store, definition: MarketDefinition, log?: (message: string) => void): Promise<ImportReport | null> {
  const id = definition.config.id;
  const stored = (await findMarket(store.db, id))?.config;
  if (!stored) return null;
  const change = compareConfigs(stored, definition.config);
  if (change === 'same') return null;
  if (change === 'config') {
    await updateMarketConfig(store.db, withLevelsFrom(definition.config, stored));
    log?.(`market ${id}: config updated from its market.json`);
    return null;
  }
  const report = await importBundled(store, definition, { replaceConfig: definition.config });
  log?.(`${describe(report, definition)} (its features or non-market rule changed in market.json)`);
  return report;
}

function importBundled(store: Store, definition: MarketDefinition, mode: { onlyIntoNewMarket?: boolean; replaceConfig?: MarketConfig }): Promise<ImportReport> {
  return importSalesCsv(store, {
    marketId: definition.config.id,
    file: definition.salesFile,
    mapping: definition.mapping,
    createWith: definition.config,
    ...mode,
    // The bundled files are known clean: any rejection means the definition and the file disagree.
    maxRejectedShare: 0,
  });
}

function describe(report: ImportReport, definition: MarketDefinition): string {
  return `market ${report.marketId}: imported ${report.imported} sales (${report.after.marketSales} market sales) from ${definition.salesFile} in ${report.durationMs} ms`;
}

/**
 * 'data' when the stored sales would be read differently (features or the non-market rule), 'config' when
 * only settings differ, 'same' otherwise. Categorical levels are data, not settings, and are ignored.
 */
export function compareConfigs(stored: MarketConfig, wanted: MarketConfig): 'same' | 'config' | 'data' {
  const shape = (c: MarketConfig) => canonical({ features: c.features.map((f) => ({ name: f.name, kind: f.kind })), nonMarket: c.nonMarket });
  if (shape(stored) !== shape(wanted)) return 'data';
  const settings = (c: MarketConfig) => canonical({ ...c, features: c.features.map(({ levels: _levels, ...f }) => f) });
  return settings(stored) === settings(wanted) ? 'same' : 'config';
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
