// The real engine for the service tests: models trained on the seeded markets (seed.ts), saved in the store,
// and loaded into a MarketRuntime exactly as `valora serve` and `valora worker` load them.
import { MarketRuntime } from '../../../src/services/market-runtime.js';
import { trainMarket } from '../../../src/services/training/train-market.js';
import type { Store } from '../../../src/store/database.js';
import { ukMarket, usMarket } from './seed.js';

export interface TrainTestMarketsOptions {
  /** Markets to train (default both seeded markets). */
  markets?: string[];
  /** Earlier vintages to train as well, for valuations dated before the latest cut-off (`valora train --until`). */
  vintages?: Array<{ marketId: string; until: string }>;
}

/** Trains each market once (in this thread: a test file trains once, before its tests) and loads them all. */
export async function trainTestMarkets(store: Store, options: TrainTestMarketsOptions = {}): Promise<MarketRuntime> {
  for (const { marketId, until } of options.vintages ?? []) await trainMarket(store, { marketId, until, inProcess: true });
  for (const marketId of options.markets ?? [ukMarket.id, usMarket.id]) await trainMarket(store, { marketId, inProcess: true });
  return MarketRuntime.load(store);
}
