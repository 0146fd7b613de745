// Training in a worker thread, so that a server keeps answering while a model trains. The worker runs the
// same trainGbdt and sends back the serialized model, which round-trips exactly: the result equals
// in-process training byte for byte.
import { Worker } from 'node:worker_threads';
import { GbdtModel } from './model.js';
import type { GbdtParams } from './params.js';
import type { TrainingData } from './training-data.js';

export interface TrainWorkerRequest {
  train: TrainingData;
  params?: Partial<GbdtParams>;
  valid?: TrainingData;
}

export type TrainWorkerReply = { ok: true; model: string } | { ok: false; message: string };

export function trainGbdtInWorker(train: TrainingData, params?: Partial<GbdtParams>, valid?: TrainingData): Promise<GbdtModel> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    let worker: Worker;
    try {
      const request: TrainWorkerRequest = { train, params, valid };
      // the compiled sibling, wherever the build put this module
      worker = new Worker(new URL('./train-gbdt-worker.js', import.meta.url), { workerData: request });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    worker.once('message', (reply: TrainWorkerReply) => {
      settle(() => {
        if (!reply.ok) return reject(new Error(reply.message));
        try {
          resolve(GbdtModel.deserialize(reply.model));
        } catch (error) {
          reject(error);
        }
      });
    });
    worker.once('error', (error) => settle(() => reject(error)));
    worker.once('exit', (code) => settle(() => reject(new Error(`GBDT training worker exited with code ${code} before sending a model`))));
  });
}
