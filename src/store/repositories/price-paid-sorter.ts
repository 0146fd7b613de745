// Sorts a bulk Price Paid import's staged parts (sortRecordsByKey) in a worker thread, so the main thread's
// SQLite insert of one part and the sort of the next run on two cores at once: when the import finishes, the
// reading worker is done and the second core has only SQLite's sort helper to run.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { sortRecordsByKey } from './price-paid-batch.js';

interface SortRequest {
  records: Uint8Array;
  skip: number;
}

export interface RecordSorter {
  /** The records sorted as sortRecordsByKey sorts them; `records` is moved to the sorting thread. */
  sort(records: Buffer, skip: number): Promise<Buffer>;
  close(): Promise<void>;
}

export function startRecordSorter(): RecordSorter {
  const worker = new Worker(new URL('./price-paid-sorter.js', import.meta.url), { workerData: { kind: 'price-paid-sort' } });
  // Answers come in the order asked.
  const waiting: Array<{ resolve: (sorted: Buffer) => void; reject: (error: Error) => void }> = [];
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure = error;
    for (const w of waiting.splice(0)) w.reject(error);
  };
  worker.on('message', (sorted: Uint8Array) => waiting.shift()?.resolve(Buffer.from(sorted.buffer, sorted.byteOffset, sorted.byteLength)));
  worker.on('error', fail);
  worker.on('exit', () => fail(failure ?? new Error('the record sorter stopped')));
  return {
    sort(records, skip) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        const request: SortRequest = { records, skip };
        worker.postMessage(request, [records.buffer as ArrayBuffer]);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}

if (parentPort && workerData?.kind === 'price-paid-sort') {
  const port = parentPort;
  port.on('message', ({ records, skip }: SortRequest) => {
    const sorted = sortRecordsByKey(Buffer.from(records.buffer, records.byteOffset, records.byteLength), skip);
    port.postMessage(sorted, [sorted.buffer as ArrayBuffer]);
  });
}
