// Streams a CSV file's records with csv-parse, with the line each starts on; a malformed record is handed
// to `onBadRecord` with its line and the parser's reason instead of aborting the file.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

export interface CsvRecord {
  fields: string[];
  line: number;
  /** Bytes of the file read so far (for progress). */
  bytes: number;
}

export async function* readCsvRecords(path: string, onBadRecord: (line: number, reason: string) => void): AsyncGenerator<CsvRecord> {
  const parser = createReadStream(path).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_error: true, info: true, trim: false }),
  );
  parser.on('skip', (err: Error & { lines?: number }) => onBadRecord(err.lines ?? 0, err.message));
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number; records: number; bytes: number } }>) {
    yield { fields: item.record, line: item.info.lines, bytes: item.info.bytes };
  }
}
