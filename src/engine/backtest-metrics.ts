// Accuracy and calibration figures of a backtest, as fractions (0.105, not 10.5). Assessment-ratio
// statistics (COD, PRD, PRB) follow the IAAO Standard on Ratio Studies, with the model value as the
// "assessment".
import { Z90 } from './confidence.js';
import { median } from './median.js';

export interface BacktestCase {
  actual: number;
  /** The model value, or null when the engine declined (no value) or failed. */
  predicted: number | null;
  fsd: number | null;
  tier: number | null;
  propertyType: string | null;
  region: string | null;
}

export interface AccuracyFigures {
  count: number;
  valued: number;
  hit_rate: number;
  mdape: number | null;
  pe10: number | null;
  pe15: number | null;
  pe20: number | null;
  median_ratio: number | null;
  cod: number | null;
  prd: number | null;
  prb: number | null;
  fsd_within_1: number | null;
  range90_coverage: number | null;
}

export interface BacktestSummary extends AccuracyFigures {
  by_property_type: Record<string, AccuracyFigures>;
  by_price_band: Record<string, AccuracyFigures>;
  by_region: Record<string, AccuracyFigures>;
  by_tier: Record<string, AccuracyFigures>;
}

/** Price bands by the sale price, in the market's currency. */
export const PRICE_BANDS: Array<{ label: string; min: number; max: number }> = [
  { label: 'under 50k', min: 0, max: 50_000 },
  { label: '50k-100k', min: 50_000, max: 100_000 },
  { label: '100k-200k', min: 100_000, max: 200_000 },
  { label: '200k-400k', min: 200_000, max: 400_000 },
  { label: '400k-800k', min: 400_000, max: 800_000 },
  { label: '800k and over', min: 800_000, max: Infinity },
];

export function summariseBacktest(cases: BacktestCase[]): BacktestSummary {
  const group = (key: (c: BacktestCase) => string | null) => {
    const groups = new Map<string, BacktestCase[]>();
    for (const c of cases) {
      const k = key(c);
      if (k === null) continue;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(c);
    }
    return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, list]) => [k, accuracyFigures(list)]));
  };
  const byBand = group((c) => PRICE_BANDS.find((b) => c.actual >= b.min && c.actual < b.max)?.label ?? null);
  const bandOrder = Object.fromEntries(PRICE_BANDS.filter((b) => byBand[b.label]).map((b) => [b.label, byBand[b.label]!]));
  return {
    ...accuracyFigures(cases),
    by_property_type: group((c) => c.propertyType ?? 'unknown'),
    by_price_band: bandOrder,
    by_region: group((c) => c.region ?? 'unknown'),
    by_tier: group((c) => (c.tier === null ? null : `tier ${c.tier}`)),
  };
}

export function accuracyFigures(cases: BacktestCase[]): AccuracyFigures {
  const valued = cases.filter((c) => c.predicted !== null && c.predicted > 0 && c.actual > 0);
  const n = valued.length;
  const empty = { mdape: null, pe10: null, pe15: null, pe20: null, median_ratio: null, cod: null, prd: null, prb: null, fsd_within_1: null, range90_coverage: null };
  if (n === 0) return { count: cases.length, valued: 0, hit_rate: 0, ...empty };
  const ratios = valued.map((c) => c.predicted! / c.actual);
  const ape = ratios.map((r) => Math.abs(r - 1));
  const share = (test: (i: number) => boolean) => valued.reduce((s, _, i) => s + (test(i) ? 1 : 0), 0) / n;
  const medianRatio = median(ratios);
  const meanRatio = ratios.reduce((s, r) => s + r, 0) / n;
  const weightedRatio = valued.reduce((s, c) => s + c.predicted!, 0) / valued.reduce((s, c) => s + c.actual, 0);
  const withFsd = valued.filter((c) => c.fsd !== null);
  const relative = (c: BacktestCase) => Math.abs(c.actual / c.predicted! - 1);
  return {
    count: cases.length,
    valued: n,
    hit_rate: n / cases.length,
    mdape: median(ape),
    pe10: share((i) => ape[i]! <= 0.1),
    pe15: share((i) => ape[i]! <= 0.15),
    pe20: share((i) => ape[i]! <= 0.2),
    median_ratio: medianRatio,
    cod: ratios.reduce((s, r) => s + Math.abs(r - medianRatio), 0) / n / medianRatio,
    prd: meanRatio / weightedRatio,
    prb: n >= 3 ? priceRelatedBias(valued, ratios, medianRatio) : null,
    fsd_within_1: withFsd.length ? withFsd.filter((c) => relative(c) <= c.fsd!).length / withFsd.length : null,
    range90_coverage: withFsd.length ? withFsd.filter((c) => relative(c) <= Z90 * c.fsd!).length / withFsd.length : null,
  };
}

/**
 * PRB: the slope of (ratio − median) / median on log2 of a value proxy halfway between the sale price and
 * the model value scaled by the median ratio. Near 0 means no bias between cheap and dear properties.
 */
function priceRelatedBias(cases: BacktestCase[], ratios: number[], medianRatio: number): number {
  const xs = cases.map((c) => Math.log2(0.5 * (c.predicted! / medianRatio) + 0.5 * c.actual));
  const ys = ratios.map((r) => (r - medianRatio) / medianRatio);
  const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
  const my = ys.reduce((s, v) => s + v, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
  });
  return sxx === 0 ? 0 : sxy / sxx;
}
