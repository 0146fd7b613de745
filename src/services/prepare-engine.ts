// Start-up: make sure every market in the store has a model (training the missing ones, each in a worker
// thread; the result is saved, so the next start only loads it), then load them all into memory.
import type { Store } from '../store/database.js';
import { listMarketIds } from '../store/repositories/markets.js';
import { parseMarketModel } from '../engine/market-model.js';
import { deactivateModel, listActiveModels } from '../store/repositories/models.js';
import { MarketRuntime } from './market-runtime.js';
import { trainMarket } from './training/train-market.js';

export interface PrepareEngineOptions {
  log?: (message: string) => void;
  /** Train markets that have no model (default true). A worker process may prefer to wait for a server. */
  train?: boolean;
  /** Only these markets (default: every market in the store). */
  markets?: string[];
}

export async function prepareEngine(store: Store, options: PrepareEngineOptions = {}): Promise<MarketRuntime> {
  const log = options.log ?? (() => {});
  if (options.train !== false) {
    for (const marketId of options.markets ?? (await listMarketIds(store.db))) {
      let usable = 0;
      for (const saved of await listActiveModels(store.db, marketId)) {
        try {
          parseMarketModel(saved.content);
          usable++;
        } catch (error) {
          // A model from an older engine: retire it and train anew rather than fail every valuation.
          log(`${marketId}: model ${saved.modelVersion} cannot be used (${(error as Error).message}); retiring it`);
          await deactivateModel(store.db, saved.id);
        }
      }
      if (usable > 0) continue;
      log(`training the ${marketId} model (first start; it is saved for the next)…`);
      const trained = await trainMarket(store, { marketId });
      log(`  ${marketId}: model ${trained.artifact.modelVersion} on ${trained.artifact.trainingSales} sales in ${trained.seconds.toFixed(1)} s`);
    }
  }
  return MarketRuntime.load(store, options.markets);
}
