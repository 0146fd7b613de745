// The reading half of a Price Paid import, in a worker thread: it reads, checks and links the file's
// records (price-paid-batcher.ts) while the main thread writes the previous batch, so on two cores the
// JavaScript and SQLite's work overlap instead of adding up. Batches move to the main thread without a
// copy (their buffers are transferred); at most MAX_UNWRITTEN of them wait for the writer, which keeps
// memory flat however far the reader could run ahead.
import { parentPort, workerData } from 'node:worker_threads';
import { packProperties, type PackedProperties, type PricePaidBatch } from '../../store/repositories/price-paid-batch.js';
import { PPD_FIELDS, PricePaidBatcher, type BatcherCounts, type Rejection } from './price-paid-batcher.js';
import { readPricePaidRecords } from './price-paid-records.js';

export interface PricePaidReadRequest {
  file: string;
  startOffset: number;
  startLine: number;
  batchSize: number;
  fingerprint: string;
  /** Rows left to read, estimated from the file's size. */
  expectedRows: number;
  /** Postcode key → [latitude, longitude]. */
  centroids: Map<string, [number, number]>;
  /** The market's register source keys; a key's position is its register index. */
  registerKeys: string[];
}

/** A batch as it crosses to the main thread: its new properties packed (packProperties). */
export type PackedPricePaidBatch = Omit<PricePaidBatch, 'properties'> & { properties: PackedProperties };

/** What the worker posts; the main thread answers each batch with 'written'. */
export type PricePaidReadMessage =
  | { type: 'batch'; batch: PackedPricePaidBatch; rejections: Rejection[]; counts: BatcherCounts; lines: number }
  | { type: 'progress'; offset: number; rows: number; rejections: Rejection[]; counts: BatcherCounts; lines: number }
  | { type: 'done'; rejections: Rejection[]; counts: BatcherCounts; lines: number };

const MAX_UNWRITTEN = 2;

async function read(request: PricePaidReadRequest): Promise<void> {
  const port = parentPort!;
  const batcher = new PricePaidBatcher(request.centroids, request.registerKeys, request.batchSize, request.fingerprint, request.expectedRows);
  let unwritten = 0;
  let wake: (() => void) | null = null;
  const onWritten = (message: unknown) => {
    if (message !== 'written') return;
    unwritten--;
    wake?.();
  };
  port.on('message', onWritten);
  const send = async (batch: PricePaidBatch, lines: number) => {
    const properties = packProperties(batch.properties);
    const message: PricePaidReadMessage = { type: 'batch', batch: { ...batch, properties }, rejections: batcher.takeRejections(), counts: batcher.counts, lines };
    const transfer = [batch.sales, batch.refs, properties.lengths, properties.typeCodes, properties.attributeCodes, properties.latitude, properties.longitude].map((a) => a.buffer as ArrayBuffer);
    port.postMessage(message, transfer);
    unwritten++;
    while (unwritten >= MAX_UNWRITTEN) await new Promise<void>((resolve) => (wake = resolve));
  };

  let rows = 0;
  let lastOffset = request.startOffset;
  let lastLine = request.startLine - 1;
  const lines = () => lastLine - request.startLine + 1;
  await readPricePaidRecords(request.file, request.startOffset, request.startLine, PPD_FIELDS, {
    record(fields, count, line) {
      rows++;
      batcher.record(fields, count, line);
    },
    blank() {
      batcher.blank();
    },
    invalid(line, reason) {
      batcher.invalid(line, reason);
    },
    async chunkDone(offset, line) {
      lastOffset = offset;
      lastLine = line;
      // A batch ends only where a chunk does: its progress offset is then the start of a record.
      if (batcher.rowsInBatch >= request.batchSize) await send(batcher.takeBatch(offset, line, false), lines());
      const message: PricePaidReadMessage = { type: 'progress', offset, rows, rejections: batcher.takeRejections(), counts: batcher.counts, lines: lines() };
      port.postMessage(message);
    },
  });
  await send(batcher.takeBatch(lastOffset, lastLine, true), lines());
  const done: PricePaidReadMessage = { type: 'done', rejections: batcher.takeRejections(), counts: batcher.counts, lines: lines() };
  port.postMessage(done);
  port.off('message', onWritten);
}

if (parentPort && workerData?.kind === 'price-paid-read') await read(workerData.request as PricePaidReadRequest);
