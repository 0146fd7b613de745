// Start-up: load every market into memory and train those without a usable model (each in a worker
// thread; the result is saved, so the next start only loads it).
import type { Store } from '../store/database.js';
import { listMarketIds } from '../store/repositories/markets.js';
import { deactivateModel } from '../store/repositories/models.js';
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
  const marketIds = options.markets ?? (await listMarketIds(store.db));
  // Loading parses every saved model once; only markets left without a usable one are trained, then reloaded.
  const runtime = await MarketRuntime.load(store, marketIds);
  if (options.train === false) return runtime;
  for (const marketId of marketIds) {
    for (const old of runtime.unreadableModels(marketId)) {
      // A model from an older engine: retire it and train anew rather than fail every valuation.
      log(`${marketId}: model ${old.modelVersion} cannot be used (${old.reason}); retiring it`);
      await deactivateModel(store.db, old.id);
    }
    if (runtime.isReady(marketId)) continue;
    log(`training the ${marketId} model (first start; it is saved for the next)…`);
    const trained = await trainMarket(store, { marketId });
    log(`  ${marketId}: model ${trained.artifact.modelVersion} on ${trained.artifact.trainingSales} sales in ${trained.seconds.toFixed(1)} s`);
    await runtime.loadMarket(store, marketId);
  }
  return runtime;
}
