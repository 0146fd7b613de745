// What valuing needs besides the request: the store, the loaded markets, and the markets' configurations
// (read once per process and kept: they change only when markets are re-imported, which restarts serving).
import type { MarketConfig } from '../../engine/types.js';
import type { Store } from '../../store/database.js';
import { findMarket } from '../../store/repositories/markets.js';
import type { ValuationEngine } from '../valuation-engine.js';

export interface ValuationContext {
  store: Store;
  engine: ValuationEngine;
  marketConfig(marketId: string): Promise<MarketConfig | null>;
}

export function createValuationContext(store: Store, engine: ValuationEngine): ValuationContext {
  const configs = new Map<string, Promise<MarketConfig | null>>();
  return {
    store,
    engine,
    marketConfig(marketId) {
      let config = configs.get(marketId);
      if (!config) {
        config = findMarket(store.db, marketId).then((m) => m?.config ?? null);
        configs.set(marketId, config);
        config.catch(() => configs.delete(marketId));
      }
      return config;
    },
  };
}
