import type { MarketConfig } from '../../engine/types.js';
import type { Store } from '../../store/database.js';
import { findMarket } from '../../store/repositories/markets.js';

export class MarketNotFoundError extends Error {
  constructor(readonly marketId: string) {
    super(`there is no market '${marketId}'`);
  }
}

/** The market's config as stored (categorical levels as of its latest import). */
export async function loadMarketConfig(store: Store, marketId: string): Promise<MarketConfig> {
  const market = await findMarket(store.db, marketId);
  if (!market) throw new MarketNotFoundError(marketId);
  return market.config;
}
