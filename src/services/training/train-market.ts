// Trains a market's model from the store (in a worker thread), saves it, and returns what was saved.
import { Worker } from 'node:worker_threads';
import { parseDay } from '../../engine/calendar.js';
import { parseMarketModel, serializeMarketModel, type MarketModelArtifact } from '../../engine/market-model.js';
import { trainMarketModel, type TrainMarketOptions } from '../../engine/train-market-model.js';
import type { MarketConfig, SalesFrame } from '../../engine/types.js';
import type { Store } from '../../store/database.js';
import { deactivateModelsWithCutoff, saveModel } from '../../store/repositories/models.js';
import { loadMarketConfig, loadSalesFrame } from '../markets/load-sales-frame.js';

export interface TrainMarketRequest {
  marketId: string;
  /** YYYY-MM-DD; default: the market's last sale date. */
  until?: string;
  seed?: number;
  /** Seeded value models averaged (default: the engine's). */
  ensembleMembers?: number;
  /** Train on this thread instead of a worker (CLI runs, tests of determinism). */
  inProcess?: boolean;
  log?: (message: string) => void;
}

export interface TrainedMarket {
  artifact: MarketModelArtifact;
  /** The exact saved bytes. */
  content: string;
  seconds: number;
}

export async function trainMarket(store: Store, request: TrainMarketRequest): Promise<TrainedMarket> {
  const config = await loadMarketConfig(store, request.marketId);
  const frame = await loadSalesFrame(store, request.marketId, { config });
  if (frame.count === 0) throw new Error(`market '${request.marketId}' has no sales to train on`);
  const until = request.until ?? lastSaleDate(frame);
  const options: Omit<TrainMarketOptions, 'onProgress'> = { until: parseDay(until), seed: request.seed ?? 1, ...(request.ensembleMembers === undefined ? {} : { ensembleMembers: request.ensembleMembers }) };
  const started = performance.now();
  const content = request.inProcess ? serializeMarketModel(trainMarketModel(frame, config, options)) : await trainInWorker(frame, config, options, request.log);
  const artifact = parseMarketModel(content);
  await saveModel(store.db, { marketId: request.marketId, modelVersion: artifact.modelVersion, trainedUntil: artifact.trainedUntil, dataFingerprint: artifact.dataFingerprint, content });
  await deactivateModelsWithCutoff(store.db, request.marketId, artifact.trainedUntil, artifact.modelVersion);
  return { artifact, content, seconds: (performance.now() - started) / 1000 };
}

function lastSaleDate(frame: SalesFrame): string {
  let last = -Infinity;
  for (let i = 0; i < frame.count; i++) if (frame.day[i]! > last) last = frame.day[i]!;
  return new Date(last * 86_400_000).toISOString().slice(0, 10);
}

function trainInWorker(frame: SalesFrame, config: MarketConfig, options: Omit<TrainMarketOptions, 'onProgress'>, log?: (message: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./train-market-worker.js', import.meta.url), { workerData: { frame, config, options } });
    let settled = false;
    worker.on('message', (message: { progress?: string; artifact?: string; error?: string }) => {
      if (message.progress) log?.(`  ${config.id}: ${message.progress}`);
      else if (message.artifact) {
        settled = true;
        resolve(message.artifact);
      } else if (message.error) {
        settled = true;
        reject(new Error(message.error));
      }
    });
    worker.on('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the training worker stopped with code ${code}`));
    });
  });
}
