// The real engine for the service tests: models trained on the seeded markets (seed.ts), saved in the store,
// and loaded into a MarketRuntime exactly as `valora serve` and `valora worker` load them.
import { createHash } from 'node:crypto';
import { parseMarketModel } from '../../../src/engine/market-model.js';
import type { SalesFrame } from '../../../src/engine/types.js';
import { MarketRuntime } from '../../../src/services/market-runtime.js';
import { loadMarketConfig, loadSalesFrame } from '../../../src/services/markets/load-sales-frame.js';
import { trainMarket } from '../../../src/services/training/train-market.js';
import type { Store } from '../../../src/store/database.js';
import { deactivateModelsWithCutoff, saveModel } from '../../../src/store/repositories/models.js';
import { ukMarket, usMarket } from './seed.js';

export interface TrainTestMarketsOptions {
  /** Markets to train (default both seeded markets). */
  markets?: string[];
  /** Earlier vintages to train as well, for valuations dated before the latest cut-off (`valora train --until`). */
  vintages?: Array<{ marketId: string; until: string }>;
}

/**
 * Models this process trained, by the exact sales, config and cut-off they were trained on. Training is
 * deterministic (same inputs, byte-identical model: tested in the engine), so a test file's second store
 * (PostgreSQL after SQLite) whose sales read back identically saves the same model instead of training it
 * again; any difference in what the store returns misses and trains.
 */
const trained = new Map<string, string>();

/** Trains each market once (in this thread, before the tests) and loads them all. */
export async function trainTestMarkets(store: Store, options: TrainTestMarketsOptions = {}): Promise<MarketRuntime> {
  for (const { marketId, until } of options.vintages ?? []) await trainOnce(store, marketId, until);
  for (const marketId of options.markets ?? [ukMarket.id, usMarket.id]) await trainOnce(store, marketId);
  return MarketRuntime.load(store);
}

async function trainOnce(store: Store, marketId: string, until?: string): Promise<void> {
  const config = await loadMarketConfig(store, marketId);
  const key = trainingKey(await loadSalesFrame(store, marketId, { config }), JSON.stringify({ config, until }));
  const content = trained.get(key);
  if (content === undefined) {
    trained.set(key, (await trainMarket(store, { marketId, until, inProcess: true })).content);
    return;
  }
  // What trainMarket does with a model it has trained.
  const artifact = parseMarketModel(content);
  await saveModel(store.db, { marketId, modelVersion: artifact.modelVersion, trainedUntil: artifact.trainedUntil, dataFingerprint: artifact.dataFingerprint, content });
  await deactivateModelsWithCutoff(store.db, marketId, artifact.trainedUntil, artifact.modelVersion);
}

function trainingKey(frame: SalesFrame, settings: string): string {
  const hash = createHash('sha256').update(settings);
  const columns = [frame.saleId, frame.propertyId, frame.day, frame.price, frame.latitude, frame.longitude, frame.isMarket, ...Object.keys(frame.attributes).sort().map((name) => frame.attributes[name]!)];
  for (const column of columns) hash.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
  return hash.digest('hex');
}
