// Postcode centroids from OS Code-Point Open (no header; postcode, quality, eastings, northings, …, British
// National Grid converted with proj4) or the ONS Postcode Directory (a header naming pcds or pcd, lat, long).
// The layout is recognised from the first record. Idempotent: a postcode is keyed by itself.
import { statSync } from 'node:fs';
import type { Store } from '../../store/database.js';
import { upsertPostcodes, type PostcodeRow } from '../../store/repositories/uk.js';
import { formatPostcode, postcodeKey } from './address.js';
import { bngToWgs84, onGrid } from './british-national-grid.js';
import { readCsvRecords } from './csv-records.js';
import type { Rejection } from './import-price-paid.js';
import type { ProgressReporter } from './progress.js';

export interface ImportPostcodesOptions {
  /** Stored as the rows' source; defaults to the detected layout ('codepoint' or 'onspd'). */
  source?: string;
  onReject?: (rejection: Rejection) => void;
  keepRejections?: number;
  progress?: ProgressReporter;
}

export interface ImportPostcodesReport {
  file: string;
  layout: 'codepoint' | 'onspd';
  records: number;
  loaded: number;
  rejected: number;
  rejections: Rejection[];
}

type Layout = { kind: 'codepoint'; postcode: number; quality: number; easting: number; northing: number } | { kind: 'onspd'; postcode: number; lat: number; long: number };

function detectLayout(first: string[]): { layout: Layout; header: boolean } | null {
  const names = first.map((f) => f.trim().toLowerCase());
  const pc = names.findIndex((n) => n === 'pcds' || n === 'pcd' || n === 'pcd7' || n === 'pcd8');
  if (pc >= 0 && names.includes('lat') && names.includes('long')) {
    return { layout: { kind: 'onspd', postcode: names.indexOf('pcds') >= 0 ? names.indexOf('pcds') : pc, lat: names.indexOf('lat'), long: names.indexOf('long') }, header: true };
  }
  const e = names.findIndex((n) => n === 'eastings' || n === 'easting');
  const n = names.findIndex((x) => x === 'northings' || x === 'northing');
  const p = names.findIndex((x) => x === 'postcode');
  if (e >= 0 && n >= 0 && p >= 0) {
    return { layout: { kind: 'codepoint', postcode: p, quality: names.findIndex((x) => x.includes('quality')), easting: e, northing: n }, header: true };
  }
  if (first.length >= 4 && formatPostcode(first[0]!) && /^\d+$/.test(first[2]!.trim()) && /^\d+$/.test(first[3]!.trim())) {
    return { layout: { kind: 'codepoint', postcode: 0, quality: 1, easting: 2, northing: 3 }, header: false };
  }
  return null;
}

export async function importPostcodes(store: Store, path: string, options: ImportPostcodesOptions = {}): Promise<ImportPostcodesReport> {
  const report: ImportPostcodesReport = { file: path, layout: 'codepoint', records: 0, loaded: 0, rejected: 0, rejections: [] };
  const keep = options.keepRejections ?? 1000;
  const reject = (line: number, reason: string) => {
    report.rejected++;
    if (report.rejections.length < keep) report.rejections.push({ line, reason });
    options.onReject?.({ line, reason });
  };
  const total = statSync(path).size;
  let layout: Layout | null = null;
  let batch: PostcodeRow[] = [];
  for await (const { fields, line, bytes } of readCsvRecords(path, (l, r) => {
    report.records++;
    reject(l, r);
  })) {
    if (!layout) {
      const detected = detectLayout(fields);
      if (!detected) throw new Error(`${path}: not a Code-Point Open or ONSPD file (line 1 has neither a postcode with eastings and northings nor pcds/lat/long columns)`);
      layout = detected.layout;
      report.layout = layout.kind;
      if (detected.header) continue;
    }
    report.records++;
    const raw = fields[layout.postcode] ?? '';
    const postcode = formatPostcode(raw);
    if (!postcode) {
      reject(line, `postcode is not a UK postcode: "${raw}"`);
      continue;
    }
    let row: PostcodeRow;
    if (layout.kind === 'codepoint') {
      const easting = Number(fields[layout.easting]);
      const northing = Number(fields[layout.northing]);
      const quality = layout.quality >= 0 ? Number(fields[layout.quality]) : null;
      if (quality === 90 || !onGrid(easting, northing)) {
        reject(line, `${postcode}: no grid reference (eastings "${fields[layout.easting]}", northings "${fields[layout.northing]}", quality ${quality ?? '?'})`);
        continue;
      }
      const [latitude, longitude] = bngToWgs84(easting, northing);
      row = { postcodeKey: postcodeKey(postcode), postcode, latitude, longitude, easting, northing, quality: quality !== null && Number.isFinite(quality) ? quality : null, source: options.source ?? 'codepoint' };
    } else {
      const latitude = Number(fields[layout.lat]);
      const longitude = Number(fields[layout.long]);
      // ONSPD writes 99.999999 / 0.000000 for postcodes without a grid reference.
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || latitude < 49 || latitude > 61 || longitude < -9 || longitude > 3) {
        reject(line, `${postcode}: lat/long "${fields[layout.lat]}", "${fields[layout.long]}" is not a location in the UK`);
        continue;
      }
      row = { postcodeKey: postcodeKey(postcode), postcode, latitude, longitude, easting: null, northing: null, quality: null, source: options.source ?? 'onspd' };
    }
    batch.push(row);
    if (batch.length >= 5000) {
      await upsertPostcodes(store.db, batch);
      report.loaded += batch.length;
      batch = [];
      options.progress?.update(bytes, total, report.records);
    }
  }
  await upsertPostcodes(store.db, batch);
  report.loaded += batch.length;
  options.progress?.finish();
  if (!layout) throw new Error(`${path}: the file is empty`);
  return report;
}
