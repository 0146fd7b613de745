// Confidence: a second model predicts how wrong the value model is likely to be for this subject, from
// the evidence around it; a scale fitted on later sales turns that into a calibrated FSD (forecast
// standard deviation), and the market's tier table turns the FSD into a tier, band and haircut.
import type { NeighbourhoodEvidence } from './comparables.js';
import type { ConfidenceTier, FeatureSpec } from './types.js';

export const CONFIDENCE_INPUTS: FeatureSpec[] = [
  { name: 'comparable_count', kind: 'numeric', label: 'Comparable sales in the window' },
  { name: 'comparable_distance_km', kind: 'numeric', label: 'Mean distance of the nearest ten' },
  { name: 'comparable_spread', kind: 'numeric', label: 'Spread of comparable price per area' },
  { name: 'model_comparable_gap', kind: 'numeric', label: 'Log gap between model and comparables' },
  { name: 'completeness', kind: 'numeric', label: 'Share of market features known' },
  { name: 'horizon_months', kind: 'numeric', label: 'Months past the model\u2019s last sale' },
  { name: 'log_value', kind: 'numeric', label: 'Log of the model value' },
];

export function confidenceInputs(evidence: NeighbourhoodEvidence, logValue: number, floorArea: number, completeness: number, horizonMonths: number, out = new Float64Array(CONFIDENCE_INPUTS.length)): Float64Array {
  const comparableValue = floorArea > 0 && evidence.medianPricePerArea > 0 ? evidence.medianPricePerArea * floorArea : evidence.medianPrice;
  out[0] = evidence.count;
  out[1] = evidence.meanDistanceKm;
  out[2] = evidence.spread;
  out[3] = comparableValue > 0 ? Math.abs(logValue - Math.log(comparableValue)) : NaN;
  out[4] = completeness;
  out[5] = Math.max(0, horizonMonths);
  out[6] = logValue;
  return out;
}

/** The relative error scored everywhere: actual / predicted - 1 (so the range is predicted × (1 ± z·FSD)). */
export function relativeError(actual: number, predicted: number): number {
  return actual / predicted - 1;
}

/** Offset inside the log of |error| so exact hits do not dominate the error model's target. */
export const ERROR_FLOOR = 0.005;

export const Z90 = 1.6448536269514722;
export const Z95 = 1.959963984540054;

/**
 * The scale c for FSD = c · s that best meets both targets on the calibration sales: 68% within ±1 FSD
 * and 90% within ±1.645 FSD. Real errors have heavier tails than a normal law, so one scale cannot hit
 * both exactly. Each miss is measured against its own tolerance (±4 points around 68%, ±3 around 90%:
 * the bands a user can hold the FSD to), so the compromise sits as far inside both bands as it can
 * rather than favouring the looser one.
 */
export function calibrateScale(errors: ArrayLike<number>, rawScales: ArrayLike<number>): { scale: number; within1: number; within90: number } {
  const n = errors.length;
  if (n === 0) throw new Error('calibrateScale: no calibration sales');
  const ratios = new Float64Array(n);
  for (let i = 0; i < n; i++) ratios[i] = Math.abs(errors[i]!) / rawScales[i]!;
  const sorted = Float64Array.from(ratios).sort();
  const coverage = (c: number) => upperBound(sorted, c) / n;
  let best = { scale: sorted[Math.floor(0.68 * (n - 1))]!, within1: 0, within90: 0, loss: Infinity };
  const lo = sorted[Math.floor(0.4 * (n - 1))]!;
  const hi = sorted[Math.floor(0.95 * (n - 1))]!;
  for (let k = 0; k <= 400; k++) {
    const c = lo + ((hi - lo) * k) / 400;
    const within1 = coverage(c);
    const within90 = coverage(Z90 * c);
    const loss = ((within1 - 0.68) / 0.04) ** 2 + ((within90 - 0.9) / 0.03) ** 2;
    if (loss < best.loss) best = { scale: c, within1, within90, loss };
  }
  return { scale: best.scale, within1: best.within1, within90: best.within90 };
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Gadsden's published tier table (the FSD bound of each tier, its band and Fitch haircut): what a market
 * created without its own table uses.
 */
export const GADSDEN_CONFIDENCE_TIERS: readonly Readonly<ConfidenceTier>[] = Object.freeze(
  [
    { tier: 1, maxFsd: 0.08, band: 'A', haircut: 0.025, description: 'High confidence' },
    { tier: 2, maxFsd: 0.12, band: 'B', haircut: 0.05, description: 'Medium confidence' },
    { tier: 3, maxFsd: 0.2, band: 'C', haircut: 0.1, description: 'Low confidence' },
  ].map((tier) => Object.freeze(tier)),
);

/** The tier whose FSD bound the value meets, or null when the FSD is above every tier (no value). */
export function tierForFsd(fsd: number, tiers: ConfidenceTier[]): ConfidenceTier | null {
  const ordered = [...tiers].sort((a, b) => a.maxFsd - b.maxFsd);
  return ordered.find((t) => fsd <= t.maxFsd) ?? null;
}

/** A 0–100 score from the FSD (100 − 250·FSD, floored at 0): 0.08 → 80, 0.20 → 50. */
export function confidenceLevel(fsd: number): number {
  return Math.max(0, Math.round(100 - 250 * fsd));
}
