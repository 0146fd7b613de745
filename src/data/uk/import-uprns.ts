// OS Open UPRN (osopenuprn_*.csv: UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE). Idempotent by UPRN.
import { statSync } from 'node:fs';
import type { Store } from '../../store/database.js';
import { upsertUprns, type UprnRow } from '../../store/repositories/uk.js';
import { readCsvRecords } from './csv-records.js';
import type { Rejection } from './import-price-paid.js';
import type { ProgressReporter } from './progress.js';

export interface ImportUprnsOptions {
  onReject?: (rejection: Rejection) => void;
  keepRejections?: number;
  progress?: ProgressReporter;
}

export interface ImportUprnsReport {
  file: string;
  records: number;
  loaded: number;
  rejected: number;
  rejections: Rejection[];
}

export async function importUprns(store: Store, path: string, options: ImportUprnsOptions = {}): Promise<ImportUprnsReport> {
  const report: ImportUprnsReport = { file: path, records: 0, loaded: 0, rejected: 0, rejections: [] };
  const keep = options.keepRejections ?? 1000;
  const reject = (line: number, reason: string) => {
    report.rejected++;
    if (report.rejections.length < keep) report.rejections.push({ line, reason });
    options.onReject?.({ line, reason });
  };
  const total = statSync(path).size;
  let columns: { uprn: number; x: number; y: number; lat: number; lon: number } | null = null;
  let batch: UprnRow[] = [];
  for await (const { fields, line, bytes } of readCsvRecords(path, (l, r) => {
    report.records++;
    reject(l, r);
  })) {
    if (!columns) {
      const names = fields.map((f) => f.trim().toUpperCase());
      columns = { uprn: names.indexOf('UPRN'), x: names.indexOf('X_COORDINATE'), y: names.indexOf('Y_COORDINATE'), lat: names.indexOf('LATITUDE'), lon: names.indexOf('LONGITUDE') };
      const missing = Object.entries(columns).filter(([, i]) => i < 0);
      if (columns.uprn < 0 || columns.lat < 0 || columns.lon < 0) {
        throw new Error(`${path}: not an OS Open UPRN file: the header lacks ${missing.map(([k]) => k.toUpperCase()).join(', ')} (expected UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE)`);
      }
      continue;
    }
    report.records++;
    const uprn = (fields[columns.uprn] ?? '').trim();
    if (!/^\d{1,12}$/.test(uprn)) {
      reject(line, `UPRN is not a number of up to 12 digits: "${uprn}"`);
      continue;
    }
    const latitude = Number(fields[columns.lat]);
    const longitude = Number(fields[columns.lon]);
    if (!(latitude >= 49 && latitude <= 61 && longitude >= -9 && longitude <= 3)) {
      reject(line, `UPRN ${uprn}: LATITUDE/LONGITUDE "${fields[columns.lat]}", "${fields[columns.lon]}" is not a location in Great Britain`);
      continue;
    }
    const x = columns.x >= 0 ? Number(fields[columns.x]) : NaN;
    const y = columns.y >= 0 ? Number(fields[columns.y]) : NaN;
    batch.push({ uprn, latitude, longitude, easting: Number.isFinite(x) ? x : null, northing: Number.isFinite(y) ? y : null });
    if (batch.length >= 5000) {
      await upsertUprns(store.db, batch);
      report.loaded += batch.length;
      batch = [];
      options.progress?.update(bytes, total, report.records);
    }
  }
  await upsertUprns(store.db, batch);
  report.loaded += batch.length;
  options.progress?.finish();
  return report;
}
