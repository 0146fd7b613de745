// Small files in the official UK layouts, written by tests into a temporary folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'valora-uk-'));
  made.push(dir);
  return dir;
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface PpdFixture {
  id: string;
  price?: string;
  date?: string;
  postcode?: string;
  type?: string;
  newBuild?: string;
  duration?: string;
  paon?: string;
  saon?: string;
  street?: string;
  locality?: string;
  town?: string;
  category?: string;
  status?: string;
}

/** One Price Paid line, every field quoted, as HM Land Registry publishes it. */
export function ppdLine(r: PpdFixture): string {
  const f = [
    `{${r.id}}`,
    r.price ?? '250000',
    r.date ?? '2015-06-01 00:00',
    r.postcode ?? 'M20 2TG',
    r.type ?? 'S',
    r.newBuild ?? 'N',
    r.duration ?? 'F',
    r.paon ?? '1',
    r.saon ?? '',
    r.street ?? 'TEST ROAD',
    r.locality ?? 'DIDSBURY',
    r.town ?? 'MANCHESTER',
    'MANCHESTER',
    'GREATER MANCHESTER',
    r.category ?? 'A',
    r.status ?? 'A',
  ];
  return f.map((x) => `"${x}"`).join(',');
}

/** ONSPD-style postcode rows (pcds, lat, long) for tests that need a postcode placed. */
export function onspd(rows: Array<[string, number, number]>): string {
  return ['pcd,pcds,dointr,lat,long', ...rows.map(([pc, lat, lon]) => `${pc.replace(' ', '')},${pc},199901,${lat},${lon}`)].join('\n') + '\n';
}

export const EPC_HEADER = [
  'LMK_KEY', 'ADDRESS1', 'ADDRESS2', 'ADDRESS3', 'POSTCODE', 'CURRENT_ENERGY_RATING', 'PROPERTY_TYPE', 'BUILT_FORM', 'INSPECTION_DATE',
  'LODGEMENT_DATE', 'TOTAL_FLOOR_AREA', 'NUMBER_HABITABLE_ROOMS', 'CONSTRUCTION_AGE_BAND', 'TENURE', 'UPRN', 'UPRN_SOURCE',
];

export interface EpcFixture {
  lmk: string;
  address1: string;
  address2?: string;
  postcode?: string;
  rating?: string;
  type?: string;
  form?: string;
  lodged: string;
  area?: string;
  rooms?: string;
  band?: string;
  uprn?: string;
}

export function epcCsv(rows: EpcFixture[], kebab = false): string {
  const header = kebab ? EPC_HEADER.map((h) => h.toLowerCase().replace(/_/g, '-')) : EPC_HEADER;
  const q = (s: string) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rows.map((r) =>
    [r.lmk, r.address1, r.address2 ?? '', '', r.postcode ?? 'M20 2TG', r.rating ?? 'D', r.type ?? 'House', r.form ?? 'Semi-Detached', r.lodged, r.lodged, r.area ?? '90', r.rooms ?? '4', r.band ?? 'England and Wales: 1930-1949', 'owner-occupied', r.uprn ?? '', r.uprn ? 'Address Matched' : '']
      .map(q)
      .join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}
