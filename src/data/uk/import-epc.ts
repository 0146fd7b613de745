// EPC domestic certificates (certificates.csv from the bulk download, UPPER_SNAKE headers; or the API's
// kebab-case export). Certificates are kept per market keyed by LMK_KEY (so a re-import changes nothing),
// then the register linker ties them to properties and sales.
import { statSync } from 'node:fs';
import type { Store } from '../../store/database.js';
import { ensureUkMarketRow, upsertEpcCertificates, type EpcCertificateRow } from '../../store/repositories/uk.js';
import { epcAddressKey, formatPostcode, postcodeKey } from './address.js';
import { readCsvRecords } from './csv-records.js';
import type { Rejection } from './import-price-paid.js';
import { linkUkRegister, type LinkReport } from './link-register.js';
import type { ProgressReporter } from './progress.js';
import { cleanEpcText, constructionPeriod, epcRating, isoDate, positiveNumber } from './uk-fields.js';
import { ukMarketConfig } from './uk-market-config.js';

export interface ImportEpcOptions {
  marketId: string;
  marketName?: string;
  onReject?: (rejection: Rejection) => void;
  keepRejections?: number;
  progress?: ProgressReporter;
  /** Run the register linker afterwards (default true). */
  link?: boolean;
}

export interface ImportEpcReport {
  file: string;
  records: number;
  loaded: number;
  /** Rows replaced by a later row with the same LMK_KEY in the same file. */
  superseded: number;
  rejected: number;
  rejections: Rejection[];
  link: LinkReport | null;
}

const REQUIRED = ['LMK_KEY', 'LODGEMENT_DATE'];

/** "lmk-key", "LMK_KEY", " Lmk Key " → "LMK_KEY". */
export function epcColumnName(header: string): string {
  return header.trim().toUpperCase().replace(/[-\s]+/g, '_');
}

export async function importEpcCertificates(store: Store, path: string, options: ImportEpcOptions): Promise<ImportEpcReport> {
  const marketId = options.marketId;
  await ensureUkMarketRow(store.db, ukMarketConfig({ id: marketId, name: options.marketName ?? marketId }));
  const report: ImportEpcReport = { file: path, records: 0, loaded: 0, superseded: 0, rejected: 0, rejections: [], link: null };
  const keep = options.keepRejections ?? 1000;
  const reject = (line: number, reason: string) => {
    report.rejected++;
    if (report.rejections.length < keep) report.rejections.push({ line, reason });
    options.onReject?.({ line, reason });
  };
  const total = statSync(path).size;
  let col: Map<string, number> | null = null;
  const get = (fields: string[], name: string): string => {
    const i = col!.get(name);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  let batch: EpcCertificateRow[] = [];
  const seen = new Set<string>();
  for await (const { fields, line, bytes } of readCsvRecords(path, (l, r) => {
    report.records++;
    reject(l, r);
  })) {
    if (!col) {
      col = new Map(fields.map((h, i) => [epcColumnName(h), i]));
      const missing = REQUIRED.filter((r) => !col!.has(r));
      if (!col.has('ADDRESS1') && !col.has('ADDRESS')) missing.push('ADDRESS1');
      if (!col.has('POSTCODE') && !col.has('UPRN')) missing.push('POSTCODE');
      if (missing.length) throw new Error(`${path}: not an EPC certificates file: the header lacks ${missing.join(', ')}`);
      continue;
    }
    report.records++;
    const lmk = get(fields, 'LMK_KEY');
    if (!lmk) {
      reject(line, 'LMK_KEY is empty');
      continue;
    }
    const lodged = isoDate(get(fields, 'LODGEMENT_DATE'));
    if (!lodged) {
      reject(line, `LODGEMENT_DATE is not a date: "${get(fields, 'LODGEMENT_DATE')}"`);
      continue;
    }
    const rawUprn = get(fields, 'UPRN');
    const uprnMatch = /^(\d{1,12})(?:\.0+)?$/.exec(rawUprn);
    const uprn = uprnMatch ? String(Number(uprnMatch[1])) : null;
    if (rawUprn && !uprn) {
      reject(line, `UPRN is not a number of up to 12 digits: "${rawUprn}"`);
      continue;
    }
    const rawPostcode = get(fields, 'POSTCODE');
    const postcode = rawPostcode ? formatPostcode(rawPostcode) : null;
    if (!postcode && !uprn) {
      reject(line, rawPostcode ? `POSTCODE is not a UK postcode and there is no UPRN: "${rawPostcode}"` : 'neither POSTCODE nor UPRN is given: the certificate cannot be placed');
      continue;
    }
    const lines = col.has('ADDRESS1') ? [get(fields, 'ADDRESS1'), get(fields, 'ADDRESS2'), get(fields, 'ADDRESS3')] : [get(fields, 'ADDRESS')];
    const address = lines.filter(Boolean).join(', ');
    const addressKey = epcAddressKey(lines);
    if (!addressKey && !uprn) {
      reject(line, 'ADDRESS1-3 are empty and there is no UPRN');
      continue;
    }
    const floorArea = positiveNumber(get(fields, 'TOTAL_FLOOR_AREA'));
    const rooms = positiveNumber(get(fields, 'NUMBER_HABITABLE_ROOMS'));
    if (seen.has(lmk)) {
      // The same LMK_KEY twice in one file: the later row wins, as a re-import would make it.
      batch = batch.filter((b) => b.lmk_key !== lmk);
      report.superseded++;
    }
    seen.add(lmk);
    batch.push({
      market_id: marketId,
      lmk_key: lmk,
      uprn,
      address,
      postcode,
      postcode_key: postcode ? postcodeKey(postcode) : null,
      address_key: addressKey,
      lodgement_date: lodged,
      inspection_date: isoDate(get(fields, 'INSPECTION_DATE')),
      floor_area: floorArea,
      habitable_rooms: rooms === null ? null : Math.round(rooms),
      property_type: cleanEpcText(get(fields, 'PROPERTY_TYPE')),
      built_form: cleanEpcText(get(fields, 'BUILT_FORM')),
      construction_period: constructionPeriod(get(fields, 'CONSTRUCTION_AGE_BAND')),
      energy_rating: epcRating(get(fields, 'CURRENT_ENERGY_RATING')),
      tenure: cleanEpcText(get(fields, 'TENURE')),
    });
    if (batch.length >= 2000) {
      await upsertEpcCertificates(store.db, batch);
      report.loaded += batch.length;
      batch = [];
      seen.clear();
      options.progress?.update(bytes, total, report.records);
    }
  }
  if (!col) throw new Error(`${path}: the file is empty`);
  await upsertEpcCertificates(store.db, batch);
  report.loaded += batch.length;
  options.progress?.finish();
  if (options.link !== false) report.link = await linkUkRegister(store, marketId);
  return report;
}
