// The markets shipped in the repository (markets/<id>/market.json with their sales.csv and provenance).
import { resolve } from 'node:path';
import { marketsDir } from '../../paths.js';
import { readMarketDefinition, type MarketDefinition } from './market-definition.js';

export const BUNDLED_MARKET_IDS = ['lucas-county-oh', 'ames-ia', 'sacramento-ca'] as const;
export type BundledMarketId = (typeof BUNDLED_MARKET_IDS)[number];

export function bundledMarketDefinitionPath(id: string): string {
  return resolve(marketsDir, id, 'market.json');
}

export function readBundledMarket(id: BundledMarketId): MarketDefinition {
  return readMarketDefinition(bundledMarketDefinitionPath(id));
}
