// The synthetic UK demo market `uk-demo-manchester`: properties placed on the real postcode geography of the
// M postcode area (OS Code-Point Open), with sales, EPC certificates and UPRN coordinates written in the
// official layouts so the ordinary importers load them. Deterministic: the same seed writes the same bytes.
// The price process is in demo-price-model.ts; docs/uk-data.md describes both.
import { createWriteStream, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { marketsDir } from '../../paths.js';
import { bngToWgs84 } from './british-national-grid.js';
import { constructionPeriod } from './uk-fields.js';
import {
  CATEGORY_B_SD,
  CATEGORY_B_SHIFT,
  expectedLogPrice,
  NOISE_SD,
  type DemoPropertyTruth,
} from './demo-price-model.js';

export const DEMO_MARKET_ID = 'uk-demo-manchester';
export const DEMO_MARKET_NAME = 'Manchester, UK (synthetic demo data)';
export const DEMO_DEFAULT_SEED = 20251;
/** The Gadsden examples' subjects, which the demo always contains. */
export const DEMO_WILMSLOW_ROAD = { postcode: 'M20 2TG', uprn: '100012345678', address: '42 Wilmslow Road, Didsbury' };
export const DEMO_PICCADILLY = { postcode: 'M1 1AA' };
export const CODEPOINT_M_FILE = resolve(marketsDir, 'uk-samples/codepoint-open-2025-m.csv');

/** The last month the demo's sales run to. */
const LAST_DATE = '2025-10-31';
const FIRST_YEAR = 1995;

export interface UkDemoOptions {
  dir: string;
  seed?: number;
  /** Postcodes to place properties in (default 1,200 of the M area's). */
  postcodes?: number;
  /** Also write `pp-large.csv` with this many Price Paid rows (the benchmark's national-scale file). */
  pricePaidRows?: number;
  /** Code-Point Open file of the geography (default: the bundled M area). */
  codepointFile?: string;
}

export interface UkDemoResult {
  dir: string;
  files: Array<{ kind: 'postcodes-supplement' | 'ppd' | 'epc' | 'uprn' | 'ppd-large'; path: string; rows: number }>;
  properties: number;
  sales: number;
  certificates: number;
}

/** mulberry32: small, fast, and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function weighted<T>(rand: () => number, items: ReadonlyArray<[T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of items) {
    r -= w;
    if (r <= 0) return v;
  }
  return items[items.length - 1]![0];
}

export interface CodepointPostcode {
  postcode: string;
  easting: number;
  northing: number;
  district: string;
}

/** Reads a Code-Point Open CSV (postcode, quality, eastings, northings, …, admin district code, …). */
export function readCodepoint(path: string): CodepointPostcode[] {
  const out: CodepointPostcode[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const f = line.split(',').map((x) => x.replace(/^"|"$/g, ''));
    const easting = Number(f[2]);
    const northing = Number(f[3]);
    if (!f[0] || !(easting > 0) || !(northing > 0) || f[1] === '90') continue;
    out.push({ postcode: f[0], easting, northing, district: f[8] ?? '' });
  }
  return out;
}

const DISTRICTS: Record<string, string> = {
  E08000001: 'BOLTON',
  E08000002: 'BURY',
  E08000003: 'MANCHESTER',
  E08000004: 'OLDHAM',
  E08000005: 'ROCHDALE',
  E08000006: 'SALFORD',
  E08000007: 'STOCKPORT',
  E08000008: 'TAMESIDE',
  E08000009: 'TRAFFORD',
  E08000010: 'WIGAN',
};
const LOCALITIES: Record<string, string> = {
  M8: 'CHEETHAM HILL',
  M9: 'BLACKLEY',
  M11: 'OPENSHAW',
  M12: 'LONGSIGHT',
  M13: 'ARDWICK',
  M14: 'FALLOWFIELD',
  M15: 'HULME',
  M16: 'OLD TRAFFORD',
  M18: 'GORTON',
  M19: 'LEVENSHULME',
  M20: 'DIDSBURY',
  M21: 'CHORLTON-CUM-HARDY',
  M22: 'NORTHENDEN',
  M23: 'WYTHENSHAWE',
  M24: 'MIDDLETON',
  M25: 'PRESTWICH',
  M26: 'RADCLIFFE',
  M27: 'SWINTON',
  M28: 'WORSLEY',
  M29: 'TYLDESLEY',
  M30: 'ECCLES',
  M31: 'PARTINGTON',
  M32: 'STRETFORD',
  M33: 'SALE',
  M34: 'DENTON',
  M35: 'FAILSWORTH',
  M38: 'LITTLE HULTON',
  M40: 'MOSTON',
  M41: 'URMSTON',
  M43: 'DROYLSDEN',
  M44: 'IRLAM',
  M45: 'WHITEFIELD',
  M46: 'ATHERTON',
  M50: 'SALFORD QUAYS',
  M90: 'MANCHESTER AIRPORT',
};
const STREET_NAMES = [
  'Albert', 'Alexandra', 'Ashfield', 'Beech', 'Birch', 'Brook', 'Burton', 'Cavendish', 'Cedar', 'Church', 'Clarence',
  'Claremont', 'Copson', 'Crossley', 'Egerton', 'Elm', 'Everett', 'Fog', 'Grange', 'Grosvenor', 'Hawthorn', 'Heaton',
  'Holly', 'Kingsway', 'Lapwing', 'Lime', 'Linden', 'Mauldeth', 'Mersey', 'Mill', 'Moorfield', 'Oak', 'Palatine',
  'Park', 'Parrs Wood', 'Queens', 'Rathen', 'Ringley', 'Rose', 'School', 'Spath', 'Station', 'Sycamore', 'Victoria',
  'Warburton', 'Wellington', 'Whitchurch', 'Willow', 'Winster', 'Withington', 'York',
];
const STREET_SUFFIXES = ['ROAD', 'STREET', 'AVENUE', 'LANE', 'CLOSE', 'GROVE', 'DRIVE'];
const BUILDING_NAMES = ['HOUSE', 'COURT', 'LODGE', 'MANSIONS', 'POINT'];

interface DemoProperty extends DemoPropertyTruth {
  index: number;
  uprn: string;
  postcode: string;
  saon: string;
  paon: string;
  street: string;
  locality: string;
  town: string;
  district: string;
  latitude: number;
  longitude: number;
  rooms: number;
  builtForm: string;
  epcPropertyType: string;
  /** Year of construction when the property is a new build inside the demo's years. */
  builtYear: number | null;
  /** The EPC register holds its UPRN (most certificates do; some are address-matched only). */
  epcHasUprn: boolean;
  /** EPC writes flat numbers "Flat 3, Oak Court" or just "3 Oak Court". */
  epcFlatWord: boolean;
}

interface DemoSale {
  id: string;
  property: DemoProperty;
  date: string;
  price: number;
  newBuild: boolean;
  category: 'A' | 'B';
}

function guid(rand: () => number): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(rand() * 16)]).join('');
  return `{${hex(8)}-${hex(4)}-4${hex(3)}-${'89AB'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function randomDate(rand: () => number, fromYear: number, toDate: string): string {
  const from = Date.UTC(fromYear, 0, 1);
  const to = Date.parse(`${toDate}T00:00:00Z`);
  const t = from + Math.floor(rand() * ((to - from) / 86_400_000)) * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function outward(postcode: string): string {
  return postcode.split(' ')[0]!;
}

function periodOf(year: number): string {
  return constructionPeriod(String(year))!;
}

// Two processes starting together may both generate the demo: each writes a file of its own and renames it
// into place, so neither ever reads the other's half-written file.
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

function csv(fields: ReadonlyArray<string | number>): string {
  return fields.map((f) => (typeof f === 'number' || !/[",\n]/.test(f) ? String(f) : `"${f.replace(/"/g, '""')}"`)).join(',');
}

function ppdLine(s: { id: string; price: number; date: string; postcode: string; type: string; newBuild: boolean; tenure: string; paon: string; saon: string; street: string; locality: string; town: string; district: string; category: string; status?: string }): string {
  const f = [s.id, String(s.price), `${s.date} 00:00`, s.postcode, s.type, s.newBuild ? 'Y' : 'N', s.tenure, s.paon, s.saon, s.street, s.locality, s.town, s.district, 'GREATER MANCHESTER', s.category, s.status ?? 'A'];
  return f.map((x) => `"${x.replace(/"/g, '""')}"`).join(',');
}

function roundPrice(p: number): number {
  return Math.max(5_000, Math.round(p / 250) * 250);
}

/** Builds the demo's properties and sales in memory (deterministically from `seed`). */
export function buildUkDemo(options: { seed?: number; postcodes?: number; codepointFile?: string } = {}) {
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  const rand = seededRandom(seed);
  const geography = readCodepoint(options.codepointFile ?? CODEPOINT_M_FILE).sort((a, b) => (a.postcode < b.postcode ? -1 : 1));
  const wanted = options.postcodes ?? 1200;
  // An even, seeded sample of the area's postcodes (sorted first, so the input order does not matter).
  const chosen = geography.filter(() => rand() < wanted / geography.length);
  const byPostcode = new Map(geography.map((g) => [g.postcode, g]));
  const wilmslow = byPostcode.get(DEMO_WILMSLOW_ROAD.postcode);
  if (!wilmslow) throw new Error(`${DEMO_WILMSLOW_ROAD.postcode} is not in the Code-Point file`);
  if (!chosen.includes(wilmslow)) chosen.push(wilmslow);
  // M1 1AA is not a live postcode in Code-Point Open 2025; the demo adds it at the centroid of sector M1 1's
  // "A" units (the top of Piccadilly) and writes it to a supplement file the postcode importer loads.
  const sector = geography.filter((g) => g.postcode.startsWith('M1 1A'));
  const piccadilly: CodepointPostcode = {
    postcode: DEMO_PICCADILLY.postcode,
    easting: Math.round(sector.reduce((s, g) => s + g.easting, 0) / sector.length),
    northing: Math.round(sector.reduce((s, g) => s + g.northing, 0) / sector.length),
    district: 'E08000003',
  };
  chosen.push(piccadilly);

  const properties: DemoProperty[] = [];
  let nextUprn = 100_050_000_000;
  const usedStreetsByPostcode = new Map<string, string>();
  for (const pc of chosen) {
    const special = pc.postcode === DEMO_WILMSLOW_ROAD.postcode ? 'wilmslow' : pc.postcode === DEMO_PICCADILLY.postcode ? 'piccadilly' : null;
    const distanceKm = Math.hypot(pc.easting - 384_300, pc.northing - 398_200) / 1000;
    const flatShare = distanceKm < 2 ? 0.75 : distanceKm < 5 ? 0.25 : 0.1;
    let street = `${pick(rand, STREET_NAMES).toUpperCase()} ${pick(rand, STREET_SUFFIXES)}`;
    if (special === 'wilmslow') street = 'LAPWING LANE'; // the only Wilmslow Road property is the Gadsden one
    if (special === 'piccadilly') street = 'PICCADILLY';
    usedStreetsByPostcode.set(pc.postcode, street);
    const locality = LOCALITIES[outward(pc.postcode)] ?? '';
    const district = DISTRICTS[pc.district] ?? 'MANCHESTER';
    const town = outward(pc.postcode) === 'M33' ? 'SALE' : 'MANCHESTER';
    const count = special === 'piccadilly' ? 1 : 3 + Math.floor(rand() * 5);
    const isFlatBlock = special === 'piccadilly' || (special === null && rand() < flatShare);
    const building = `${pick(rand, STREET_NAMES).toUpperCase()} ${pick(rand, BUILDING_NAMES)}`;
    const buildingNumber = 1 + 2 * Math.floor(rand() * 60);
    let houseNumber = 1 + Math.floor(rand() * 80);
    const areaType = weighted(rand, [['D', distanceKm > 6 ? 3 : 1], ['S', 4], ['T', distanceKm < 6 ? 4 : 2]] as Array<[string, number]>);
    const builtYear0 = weighted(rand, [[1890, 2], [1915, 3], [1935, 3], [1958, 2], [1970, 2], [1979, 1], [1987, 1], [1993, 0.5], [1999, 0.7], [2004, 0.7], [2009, 0.7], [2016, 0.8]] as Array<[number, number]>);
    for (let k = 0; k < count; k++) {
      const typeCode = isFlatBlock ? 'F' : rand() < 0.85 ? areaType : pick(rand, ['D', 'S', 'T']);
      const meanArea = { D: 140, S: 92, T: 80, F: 62, O: 90 }[typeCode]!;
      let floorArea = Math.round(meanArea * Math.exp(0.2 * gaussian(rand)));
      const builtYear = builtYear0 + Math.floor(rand() * 3);
      let period = periodOf(builtYear);
      let rating = weighted(rand, [['B', builtYear > 2005 ? 4 : 0.2], ['C', builtYear > 1990 ? 4 : 2], ['D', 5], ['E', builtYear < 1950 ? 3 : 1.5], ['F', 0.6], ['G', 0.2]] as Array<[string, number]>);
      let saon = '';
      let paon = '';
      let propStreet = street;
      if (special === 'wilmslow' && k === 0) {
        paon = '42';
        propStreet = 'WILMSLOW ROAD';
        floorArea = 95;
        period = '1930-1949';
        rating = 'D';
      } else if (isFlatBlock) {
        saon = special === 'piccadilly' ? 'APARTMENT 12' : `FLAT ${k + 1}`;
        paon = special === 'piccadilly' ? '50' : rand() < 0.5 ? building : String(buildingNumber);
      } else {
        paon = String(houseNumber);
        houseNumber += 2;
        // Now and then a house name with its number, or a letter suffix: the awkward cases matching must meet.
        if (rand() < 0.03) paon = `${paon}A`;
      }
      const typeOfThis = special === 'wilmslow' && k === 0 ? 'S' : typeCode;
      const east = pc.easting + (rand() - 0.5) * 80;
      const north = pc.northing + (rand() - 0.5) * 80;
      const [latitude, longitude] = bngToWgs84(east, north);
      const rooms = Math.max(1, Math.min(10, Math.round(floorArea / 24 + gaussian(rand) * 0.5)));
      const builtForm =
        typeOfThis === 'D' ? 'Detached' : typeOfThis === 'S' ? 'Semi-Detached' : typeOfThis === 'T' ? (rand() < 0.3 ? 'End-Terrace' : 'Mid-Terrace') : pick(rand, ['Mid-Terrace', 'End-Terrace', 'Semi-Detached', 'Detached']);
      const uprn = special === 'wilmslow' && k === 0 ? DEMO_WILMSLOW_ROAD.uprn : String(nextUprn++);
      properties.push({
        index: properties.length,
        uprn,
        postcode: pc.postcode,
        saon,
        paon,
        street: propStreet,
        locality: special === 'piccadilly' ? '' : locality,
        town,
        district,
        easting: east,
        northing: north,
        latitude,
        longitude,
        typeCode: typeOfThis,
        floorArea,
        rooms: special === 'wilmslow' && k === 0 ? 4 : rooms,
        constructionPeriod: period,
        epcRating: rating,
        builtForm,
        epcPropertyType: typeOfThis === 'F' ? (rand() < 0.1 ? 'Maisonette' : 'Flat') : typeOfThis === 'D' && rand() < 0.2 ? 'Bungalow' : 'House',
        builtYear: builtYear >= FIRST_YEAR ? builtYear : null,
        epcHasUprn: uprn === DEMO_WILMSLOW_ROAD.uprn || rand() < 0.9,
        epcFlatWord: rand() < 0.5,
      });
    }
  }

  // Sales: a first sale (the new-build sale for properties built in the demo's years), then holding
  // periods of about eight years on average, to October 2025.
  const sales: DemoSale[] = [];
  for (const p of properties) {
    let date = p.builtYear !== null ? randomDate(rand, p.builtYear, `${p.builtYear}-12-28`) : randomDate(rand, FIRST_YEAR, '2003-12-31');
    let first = true;
    if (p.uprn === DEMO_WILMSLOW_ROAD.uprn) date = '1998-06-12';
    while (date <= LAST_DATE) {
      const newBuild = first && p.builtYear !== null;
      const category: 'A' | 'B' = rand() < 0.03 ? 'B' : 'A';
      let logPrice = expectedLogPrice(p, date, newBuild) + NOISE_SD * gaussian(rand);
      if (category === 'B') logPrice += CATEGORY_B_SHIFT + CATEGORY_B_SD * gaussian(rand);
      sales.push({ id: guid(rand), property: p, date, price: roundPrice(Math.exp(logPrice)), newBuild, category });
      first = false;
      const years = p.uprn === DEMO_WILMSLOW_ROAD.uprn ? 11.5 : 1 - Math.log(Math.max(rand(), 1e-9)) * 7;
      date = addDays(date, Math.round(years * 365.25));
    }
  }
  sales.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1));
  return { seed, properties, sales, piccadilly, rand };
}

/** EPC ADDRESS1..3 as a surveyor lodges them (mixed case; the flat word sometimes dropped). */
function epcAddressLines(p: DemoProperty): [string, string, string] {
  const tc = (s: string) => s.toLowerCase().replace(/(^|[\s-])([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase());
  const locality = tc(p.locality);
  if (!p.saon) return [`${p.paon} ${tc(p.street)}`, locality, ''];
  const unit = p.epcFlatWord ? tc(p.saon) : p.saon.replace(/^(FLAT|APARTMENT)\s+/, '');
  if (/^\d/.test(p.paon)) return [`${unit}, ${p.paon} ${tc(p.street)}`, locality, ''];
  return [`${unit}, ${tc(p.paon)}`, tc(p.street), locality];
}

const EPC_COLUMNS = [
  'LMK_KEY', 'ADDRESS1', 'ADDRESS2', 'ADDRESS3', 'POSTCODE', 'BUILDING_REFERENCE_NUMBER', 'CURRENT_ENERGY_RATING',
  'POTENTIAL_ENERGY_RATING', 'PROPERTY_TYPE', 'BUILT_FORM', 'INSPECTION_DATE', 'LOCAL_AUTHORITY', 'LODGEMENT_DATE',
  'TRANSACTION_TYPE', 'TOTAL_FLOOR_AREA', 'NUMBER_HABITABLE_ROOMS', 'CONSTRUCTION_AGE_BAND', 'TENURE', 'POSTTOWN',
  'UPRN', 'UPRN_SOURCE',
];

const RATINGS = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

/** Writes the demo market's files into `options.dir`. */
export async function generateUkDemo(options: UkDemoOptions): Promise<UkDemoResult> {
  mkdirSync(options.dir, { recursive: true });
  const { properties, sales, piccadilly, rand } = buildUkDemo(options);
  const files: UkDemoResult['files'] = [];

  // Postcode supplement (ONSPD layout): the demo's one postcode that Code-Point Open does not list.
  const [pLat, pLon] = bngToWgs84(piccadilly.easting, piccadilly.northing);
  const supplement = join(options.dir, 'postcodes-supplement.csv');
  writeAtomically(supplement, `pcds,lat,long\n${piccadilly.postcode},${pLat.toFixed(6)},${pLon.toFixed(6)}\n`);
  files.push({ kind: 'postcodes-supplement', path: supplement, rows: 1 });

  // Price Paid, official layout.
  const ppd = join(options.dir, 'pp-demo.csv');
  writeAtomically(
    ppd,
    sales
      .map((s) =>
        ppdLine({
          id: s.id,
          price: s.price,
          date: s.date,
          postcode: s.property.postcode,
          type: s.property.typeCode,
          newBuild: s.newBuild,
          tenure: s.property.typeCode === 'F' ? 'L' : 'F',
          paon: s.property.paon,
          saon: s.property.saon,
          street: s.property.street,
          locality: s.property.locality,
          town: s.property.town,
          district: s.property.district,
          category: s.category,
        }),
      )
      .join('\n') + '\n',
  );
  files.push({ kind: 'ppd', path: ppd, rows: sales.length });

  // EPC certificates: one lodged shortly before each sale from October 2008 (when they became required on
  // sale), plus a later one for most properties that have none, lodged at a random date to 2025.
  const certRows: string[] = [csv(EPC_COLUMNS)];
  let certificates = 0;
  const salesByProperty = new Map<number, DemoSale[]>();
  for (const s of sales) {
    const list = salesByProperty.get(s.property.index);
    if (list) list.push(s);
    else salesByProperty.set(s.property.index, [s]);
  }
  for (const p of properties) {
    const dates: string[] = [];
    for (const s of salesByProperty.get(p.index) ?? []) if (s.date >= '2008-10-01' && rand() < 0.9) dates.push(addDays(s.date, -(7 + Math.floor(rand() * 60))));
    if (dates.length === 0 && (p.uprn === DEMO_WILMSLOW_ROAD.uprn || rand() < 0.7)) dates.push(p.uprn === DEMO_WILMSLOW_ROAD.uprn ? '2019-03-14' : randomDate(rand, 2009, '2025-06-30'));
    dates.sort();
    const lines = epcAddressLines(p);
    dates.forEach((lodged, i) => {
      // An older certificate may rate the home one band worse (improvements since), and its floor area is a
      // surveyor's measurement: within a few per cent of the truth.
      const worse = i < dates.length - 1 && rand() < 0.3;
      const rating = worse ? RATINGS[Math.min(6, RATINGS.indexOf(p.epcRating) + 1)]! : p.epcRating;
      const area = p.uprn === DEMO_WILMSLOW_ROAD.uprn ? p.floorArea : Math.round(p.floorArea * (1 + 0.03 * gaussian(rand)) * 10) / 10;
      const band = p.constructionPeriod === 'before 1900' ? 'England and Wales: before 1900' : p.constructionPeriod === '2012-onwards' ? 'England and Wales: 2012 onwards' : `England and Wales: ${p.constructionPeriod}`;
      // Newer certificates lodge a bare year for recent homes, as the register does.
      const ageBand = p.builtYear !== null && p.builtYear >= 2012 && lodged >= '2020' ? String(p.builtYear) : band;
      const lmk = `${(1_000_000_000 + p.index * 7 + i).toString()}${lodged.replace(/-/g, '')}${String(p.index).padStart(6, '0')}`;
      certRows.push(
        csv([
          lmk, lines[0], lines[1], lines[2], p.postcode, String(10_000_000 + p.index), rating, RATINGS[Math.max(0, RATINGS.indexOf(rating) - 1)]!,
          p.epcPropertyType, p.builtForm, addDays(lodged, -3), p.district === 'MANCHESTER' ? 'E08000003' : 'E08000009', lodged,
          i === 0 ? 'marketed sale' : 'rental', area, p.rooms, ageBand, p.typeCode === 'F' ? 'rental (private)' : 'owner-occupied', p.town,
          p.epcHasUprn ? p.uprn : '', p.epcHasUprn ? 'Address Matched' : '',
        ]),
      );
      certificates++;
    });
  }
  const epc = join(options.dir, 'certificates.csv');
  writeAtomically(epc, certRows.join('\n') + '\n');
  files.push({ kind: 'epc', path: epc, rows: certificates });

  // OS Open UPRN: every demo property's UPRN with its own (not the postcode's) coordinates.
  const uprnLines = ['UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE'];
  for (const p of [...properties].sort((a, b) => (a.uprn < b.uprn ? -1 : 1))) {
    uprnLines.push(`${p.uprn},${p.easting.toFixed(2)},${p.northing.toFixed(2)},${p.latitude.toFixed(7)},${p.longitude.toFixed(7)}`);
  }
  const uprn = join(options.dir, 'osopenuprn_demo.csv');
  writeAtomically(uprn, uprnLines.join('\n') + '\n');
  files.push({ kind: 'uprn', path: uprn, rows: properties.length });

  if (options.pricePaidRows) {
    const large = join(options.dir, 'pp-large.csv');
    await writeLargePricePaid(large, options.pricePaidRows, { seed: (options.seed ?? DEMO_DEFAULT_SEED) + 1, codepointFile: options.codepointFile });
    files.push({ kind: 'ppd-large', path: large, rows: options.pricePaidRows });
  }
  return { dir: options.dir, files, properties: properties.length, sales: sales.length, certificates };
}

/**
 * A Price Paid file of `rows` records at national scale for the benchmark: about one property per three
 * sales, spread over every postcode of the geography, priced by the same process (without EPC detail),
 * in random date order as the yearly files are not. Streams: memory stays flat whatever `rows` is.
 */
export async function writeLargePricePaid(path: string, rows: number, options: { seed?: number; codepointFile?: string } = {}): Promise<void> {
  const rand = seededRandom(options.seed ?? DEMO_DEFAULT_SEED + 1);
  const geography = readCodepoint(options.codepointFile ?? CODEPOINT_M_FILE).sort((a, b) => (a.postcode < b.postcode ? -1 : 1));
  const streets = geography.map(() => `${pick(rand, STREET_NAMES).toUpperCase()} ${pick(rand, STREET_SUFFIXES)}`);
  const propertyCount = Math.max(1, Math.round(rows / 3));
  const out = createWriteStream(path, { highWaterMark: 1 << 22 });
  const types = ['D', 'S', 'T', 'F'];
  let buffer = '';
  const hex = '0123456789ABCDEF';
  const id = () => {
    let s = '{';
    for (let i = 0; i < 32; i++) {
      if (i === 8 || i === 12 || i === 16 || i === 20) s += '-';
      s += hex[(rand() * 16) | 0];
    }
    return s + '}';
  };
  for (let r = 0; r < rows; r++) {
    const p = (rand() * propertyCount) | 0;
    const g = p % geography.length;
    const pc = geography[g]!;
    const number = 1 + 2 * Math.floor(p / geography.length);
    const typeCode = types[p % 4]!;
    const year = 1995 + ((rand() * 31) | 0);
    const month = 1 + ((rand() * 12) | 0);
    const day = 1 + ((rand() * daysInMonth(year, month)) | 0);
    const date = `${year > 2025 ? 2025 : year}-${pad2(month)}-${pad2(day)}`;
    const floorArea = { D: 140, S: 92, T: 80, F: 62 }[typeCode as 'D']! * Math.exp(0.2 * ((p % 7) - 3) / 3);
    const logPrice = expectedLogPrice({ easting: pc.easting, northing: pc.northing, typeCode, floorArea, constructionPeriod: '1930-1949', epcRating: 'D' }, date, false) + NOISE_SD * gaussian(rand);
    buffer +=
      ppdLine({
        id: id(),
        price: roundPrice(Math.exp(logPrice)),
        date,
        postcode: pc.postcode,
        type: typeCode,
        newBuild: false,
        tenure: typeCode === 'F' ? 'L' : 'F',
        paon: String(number),
        saon: typeCode === 'F' ? `FLAT ${1 + (p % 9)}` : '',
        street: streets[g]!,
        locality: LOCALITIES[outward(pc.postcode)] ?? '',
        town: 'MANCHESTER',
        district: DISTRICTS[pc.district] ?? 'MANCHESTER',
        category: rand() < 0.03 ? 'B' : 'A',
      }) + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.write(buffer);
  out.end();
  await once(out, 'finish');
}

