// On first start (server, worker, tests) the bundled markets are imported into an empty database. Each is
// imported in its own transaction that first creates the market: when two processes start together, the
// second waits for the first's lock, finds the market there and skips it. A market already present costs
// one query.
import type { Store } from '../../store/database.js';
import { listMarketIds } from '../../store/repositories/markets.js';
import { importSalesCsv, MarketAlreadyExistsError, type ImportReport } from '../../data/sales-csv/import-sales-csv.js';
import { BUNDLED_MARKET_IDS, readBundledMarket, type BundledMarketId } from './bundled-markets.js';

export interface EnsureBundledMarketsOptions {
  log?: (message: string) => void;
  /** Which bundled markets to ensure (default: all). */
  only?: readonly BundledMarketId[];
}

/** Imports every bundled market not yet in the database; returns the reports of those it imported. */
export async function ensureBundledMarkets(store: Store, options: EnsureBundledMarketsOptions = {}): Promise<ImportReport[]> {
  const present = new Set(await listMarketIds(store.db));
  const reports: ImportReport[] = [];
  for (const id of options.only ?? BUNDLED_MARKET_IDS) {
    if (present.has(id)) continue;
    const definition = readBundledMarket(id);
    let report: ImportReport;
    try {
      report = await importSalesCsv(store, {
        marketId: id,
        file: definition.salesFile,
        mapping: definition.mapping,
        createWith: definition.config,
        onlyIntoNewMarket: true,
        // The bundled files are known clean: any rejection means the definition and the file disagree.
        maxRejectedShare: 0,
      });
    } catch (error) {
      if (error instanceof MarketAlreadyExistsError) {
        options.log?.(`market ${id}: imported meanwhile by another process`);
        continue;
      }
      throw error;
    }
    options.log?.(
      `market ${id}: imported ${report.imported} sales (${report.after.marketSales} market sales) from ${definition.salesFile} in ${report.durationMs} ms`,
    );
    reports.push(report);
  }
  return reports;
}
