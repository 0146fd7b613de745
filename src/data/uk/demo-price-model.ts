// The price process of the synthetic demo market (documented in docs/uk-data.md): what a model trained on
// the demo should recover. log(price) = log(BASE) + area level(E, N) + type + size + construction period
// + EPC rating + new build + log(index(month)) + noise. Pure functions, shared by the generator and tests.

export const BASE_PRICE = 185_000; // a 90 sqm semi-detached, average location, 2025-01 pounds
export const SIZE_ELASTICITY = 0.75; // price ∝ floor_area^0.75
export const NOISE_SD = 0.1; // log-price noise of an ordinary sale
export const TYPE_EFFECT: Record<string, number> = { D: 0.18, S: 0, T: -0.12, F: -0.1, O: -0.2 };
export const RATING_EFFECT: Record<string, number> = { A: 0.04, B: 0.03, C: 0.015, D: 0, E: -0.02, F: -0.04, G: -0.06 };
export const PERIOD_EFFECT: Record<string, number> = {
  'before 1900': 0.04,
  '1900-1929': 0.03,
  '1930-1949': 0.02,
  '1950-1966': -0.03,
  '1967-1975': -0.05,
  '1976-1982': -0.04,
  '1983-1990': -0.02,
  '1991-1995': 0,
  '1996-2002': 0.01,
  '2003-2006': 0.02,
  '2007-2011': 0.03,
  '2012-onwards': 0.05,
};
export const NEW_BUILD_EFFECT = 0.06;
/** Category B sales (repossessions, transfers to companies) are discounted and noisier. */
export const CATEGORY_B_SHIFT = -0.15;
export const CATEGORY_B_SD = 0.2;

// Smooth area levels: Gaussian bumps on the British National Grid (metres), amplitude in log price.
export const AREA_BUMPS: Array<{ name: string; e: number; n: number; sigmaM: number; amplitude: number }> = [
  { name: 'Didsbury', e: 384_500, n: 391_000, sigmaM: 2_500, amplitude: 0.35 },
  { name: 'Hale and Altrincham', e: 377_000, n: 386_500, sigmaM: 3_000, amplitude: 0.45 },
  { name: 'City centre', e: 384_300, n: 398_200, sigmaM: 1_200, amplitude: 0.15 },
  { name: 'Salford Quays', e: 381_000, n: 397_500, sigmaM: 1_500, amplitude: 0.1 },
  { name: 'North-east', e: 390_000, n: 403_000, sigmaM: 4_000, amplitude: -0.25 },
  { name: 'Wythenshawe', e: 382_000, n: 386_000, sigmaM: 2_000, amplitude: -0.2 },
];

/** Area level (log price) at a grid point. */
export function areaLevel(easting: number, northing: number): number {
  let level = 0;
  for (const b of AREA_BUMPS) {
    const d2 = (easting - b.e) ** 2 + (northing - b.n) ** 2;
    level += b.amplitude * Math.exp(-d2 / (2 * b.sigmaM * b.sigmaM));
  }
  return level;
}

// The monthly index: log-linear between anchor months (value 1.0 = January 2025).
const INDEX_ANCHORS: Array<[string, number]> = [
  ['1995-01', 0.22],
  ['2000-01', 0.3],
  ['2004-01', 0.55],
  ['2007-10', 0.72],
  ['2009-03', 0.58],
  ['2013-01', 0.6],
  ['2016-06', 0.75],
  ['2020-03', 0.85],
  ['2022-09', 1.02],
  ['2023-12', 0.97],
  ['2025-01', 1.0],
  ['2026-12', 1.05],
];

function monthNumber(ym: string): number {
  return Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;
}

/** The index for a month "YYYY-MM" (or a date "YYYY-MM-DD"). */
export function priceIndex(date: string): number {
  const m = monthNumber(date.slice(0, 7));
  const first = INDEX_ANCHORS[0]!;
  if (m <= monthNumber(first[0])) return first[1];
  for (let i = 1; i < INDEX_ANCHORS.length; i++) {
    const [ym, v] = INDEX_ANCHORS[i]!;
    const [pym, pv] = INDEX_ANCHORS[i - 1]!;
    const a = monthNumber(pym);
    const b = monthNumber(ym);
    if (m <= b) return Math.exp(Math.log(pv) + ((m - a) / (b - a)) * (Math.log(v) - Math.log(pv)));
  }
  return INDEX_ANCHORS[INDEX_ANCHORS.length - 1]![1];
}

export interface DemoPropertyTruth {
  easting: number;
  northing: number;
  typeCode: string;
  floorArea: number;
  constructionPeriod: string;
  epcRating: string;
}

/** log(price) without noise for a property sold on `date`. */
export function expectedLogPrice(p: DemoPropertyTruth, date: string, newBuild: boolean): number {
  return (
    Math.log(BASE_PRICE) +
    areaLevel(p.easting, p.northing) +
    TYPE_EFFECT[p.typeCode]! +
    SIZE_ELASTICITY * Math.log(p.floorArea / 90) +
    (PERIOD_EFFECT[p.constructionPeriod] ?? 0) +
    (RATING_EFFECT[p.epcRating] ?? 0) +
    (newBuild ? NEW_BUILD_EFFECT : 0) +
    Math.log(priceIndex(date))
  );
}
