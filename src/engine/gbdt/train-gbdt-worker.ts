// Worker-thread entry for trainGbdtInWorker.
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainWorkerReply, TrainWorkerRequest } from './train-gbdt-in-worker.js';
import { trainGbdt } from './train-gbdt.js';

const request = workerData as TrainWorkerRequest;
let reply: TrainWorkerReply;
try {
  reply = { ok: true, model: trainGbdt(request.train, request.params, request.valid).serialize() };
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
}
parentPort!.postMessage(reply);
