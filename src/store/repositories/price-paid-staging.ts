// Where a bulk Price Paid import keeps its sales until the end (price-paid-writer.ts): each batch's
// fixed-width records (price-paid-batch.ts), grouped by part, appended as they are to a file of their own,
// with the runs of each part noted. At the end each part is read back whole, sorted here and inserted in
// key order. Staged in an SQLite table instead, every record was written through SQLite twice and sorted
// by SQLite with its attributes (measured at 5 million rows: 3.3 s of the main thread's time while reading,
// and a sorted insert of 7.5 s against 5.5 s).
//
// The file is unlinked as soon as it is open (as SQLite's own temporary files are): nothing is left behind
// by an import that is killed.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SALE_RECORD } from './price-paid-batch.js';

/** One staged batch: its records (grouped by part) at `offset` in the file, and their runs. */
export interface StagedBatch {
  offset: number;
  count: number;
  /** part, first record, end record of each group, as groupSalesByPart gives them. */
  runs: number[];
}

export class SaleStagingFile {
  private fd: number;
  private bytes = 0;
  readonly batches: StagedBatch[] = [];
  /** part → [file offset, record count] of each of its runs, in file order. */
  private readonly runsOfPart = new Map<number, number[]>();

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), 'valora-ppd-'));
    try {
      this.fd = openSync(join(dir, 'sales'), 'w+');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Appends a batch's records, grouped by part as groupSalesByPart returns them. */
  append(records: Buffer, count: number, runs: number[]): void {
    const offset = this.bytes;
    const length = count * SALE_RECORD;
    for (let written = 0; written < length; ) written += writeSync(this.fd, records, written, length - written, offset + written);
    this.bytes += length;
    this.batches.push({ offset, count, runs });
    for (let k = 0; k < runs.length; k += 3) {
      const part = runs[k]!;
      let list = this.runsOfPart.get(part);
      if (list === undefined) this.runsOfPart.set(part, (list = []));
      list.push(offset + runs[k + 1]! * SALE_RECORD, runs[k + 2]! - runs[k + 1]!);
    }
  }

  /** The parts staged so far, in ascending order. */
  parts(): number[] {
    return [...this.runsOfPart.keys()].sort((a, b) => a - b);
  }

  /**
   * Every record of a part, in the order staged. The blob has its own ArrayBuffer, so it can be moved to
   * another thread.
   */
  readPart(part: number): Buffer {
    const list = this.runsOfPart.get(part) ?? [];
    let count = 0;
    for (let k = 1; k < list.length; k += 2) count += list[k]!;
    const blob = Buffer.from(new ArrayBuffer(count * SALE_RECORD));
    let at = 0;
    for (let k = 0; k < list.length; k += 2) at += this.read(blob, at, list[k]!, list[k + 1]! * SALE_RECORD);
    return blob;
  }

  /** A staged batch's records, as appended. */
  readBatch(batch: StagedBatch): Buffer {
    const blob = Buffer.allocUnsafe(batch.count * SALE_RECORD);
    this.read(blob, 0, batch.offset, blob.length);
    return blob;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private read(into: Buffer, at: number, position: number, length: number): number {
    for (let done = 0; done < length; ) {
      const n = readSync(this.fd, into, at + done, length - done, position + done);
      if (n === 0) throw new Error(`the staged sales file ended at byte ${position + done} of ${this.bytes}`);
      done += n;
    }
    return length;
  }
}
