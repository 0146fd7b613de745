// Worker-thread entry: trains one market model off the main thread, so a server keeps answering while
// it trains. Receives the frame, config and options; answers with the serialised artifact.
import { parentPort, workerData } from 'node:worker_threads';
import { trainMarketModel, type TrainMarketOptions } from '../../engine/train-market-model.js';
import { serializeMarketModel } from '../../engine/market-model.js';
import type { MarketConfig, SalesFrame } from '../../engine/types.js';

interface Job {
  frame: SalesFrame;
  config: MarketConfig;
  options: Omit<TrainMarketOptions, 'onProgress'>;
}

const job = workerData as Job;
try {
  const artifact = trainMarketModel(job.frame, job.config, { ...job.options, onProgress: (stage) => parentPort!.postMessage({ progress: stage }) });
  parentPort!.postMessage({ artifact: serializeMarketModel(artifact) });
} catch (error) {
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
