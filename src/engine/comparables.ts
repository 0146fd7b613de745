// What the sales around a subject say: the neighbourhood evidence every valuation's confidence uses, and
// comparable sales (found by sales-spatial-index.ts), moved to the valuation date with the price index and
// ranked by how alike they are to the subject.
import { haversineMeters } from './geo.js';
import { medianInPlace } from './median.js';
import type { PriceIndex } from './price-index.js';
import type { ComparableWindow } from './sales-spatial-index.js';
import type { Comparable, Day, FeatureSpec, SalesFrame } from './types.js';

export interface SubjectFacts {
  latitude: number;
  longitude: number;
  floorArea: number; // NaN when unknown
  yearBuilt: number; // NaN when unknown
  propertyTypeLevel: number; // NaN when unknown
}

/** What the neighbourhood says, for the confidence model: computed for every valuation. */
export interface NeighbourhoodEvidence {
  /** Comparable sales found in the window (up to the search limit). */
  count: number;
  /** Mean distance of the nearest ten, km. */
  meanDistanceKm: number;
  /** Robust spread (1.4826 · MAD) of the time-adjusted log price per area of the nearest twenty. */
  spread: number;
  /** Median time-adjusted price per area of the nearest twenty (NaN without areas). */
  medianPricePerArea: number;
  /** Median time-adjusted price of the nearest twenty. */
  medianPrice: number;
}

export const EVIDENCE_SEARCH_LIMIT = 20;

export function neighbourhoodEvidence(frame: SalesFrame, rows: number[], latitude: number, longitude: number, index: PriceIndex, asOf: Day): NeighbourhoodEvidence {
  const area = frame.attributes['floor_area'];
  // Scratch buffers sized for the search (this runs for every valuation and every calibration sale).
  const n = rows.length;
  const logPpa = n <= EVIDENCE_SEARCH_LIMIT ? scratchPpa : new Float64Array(n);
  const prices = n <= EVIDENCE_SEARCH_LIMIT ? scratchPrices : new Float64Array(n);
  let ppaCount = 0;
  let distanceSum = 0;
  const nearest = Math.min(n, 10);
  const targetLog = index.logAt(asOf);
  for (let k = 0; k < n; k++) {
    const i = rows[k]!;
    const adjusted = frame.price[i]! * Math.exp(targetLog - index.logAtDay(frame.day[i]!));
    prices[k] = adjusted;
    const a = area ? area[i]! : NaN;
    if (a > 0) logPpa[ppaCount++] = Math.log(adjusted / a);
    if (k < nearest) distanceSum += haversineMeters(latitude, longitude, frame.latitude[i]!, frame.longitude[i]!) / 1000;
  }
  const medianLogPpa = medianInPlace(logPpa, ppaCount);
  let spread = NaN;
  if (ppaCount >= 3) {
    for (let k = 0; k < ppaCount; k++) logPpa[k] = Math.abs(logPpa[k]! - medianLogPpa);
    spread = 1.4826 * medianInPlace(logPpa, ppaCount);
  }
  return {
    count: n,
    meanDistanceKm: nearest ? distanceSum / nearest : NaN,
    spread,
    medianPricePerArea: Number.isFinite(medianLogPpa) ? Math.exp(medianLogPpa) : NaN,
    medianPrice: medianInPlace(prices, n),
  };
}

const scratchPpa = new Float64Array(EVIDENCE_SEARCH_LIMIT);
const scratchPrices = new Float64Array(EVIDENCE_SEARCH_LIMIT);

/**
 * Ranks candidate rows by similarity to the subject (type, size, age, distance, recency) and returns the
 * best `count`. The score is a weighted sum of normalised differences; similarity = exp(-score).
 */
export function rankComparables(frame: SalesFrame, rows: number[], subject: SubjectFacts, window: ComparableWindow, index: PriceIndex, typeSpec: FeatureSpec | undefined, count: number): Comparable[] {
  if (count <= 0 || rows.length === 0) return [];
  const area = frame.attributes['floor_area'];
  const yearBuilt = frame.attributes['year_built'];
  const type = frame.attributes['property_type'];
  const scored = rows.map((i) => {
    const distanceM = haversineMeters(subject.latitude, subject.longitude, frame.latitude[i]!, frame.longitude[i]!);
    const a = area ? area[i]! : NaN;
    const y = yearBuilt ? yearBuilt[i]! : NaN;
    const t = type ? type[i]! : NaN;
    const sizeGap = subject.floorArea > 0 && a > 0 ? Math.abs(Math.log(a / subject.floorArea)) / 0.25 : 0.5;
    const ageGap = Number.isFinite(subject.yearBuilt) && Number.isFinite(y) ? Math.abs(y - subject.yearBuilt) / 20 : 0.5;
    const typeGap = Number.isFinite(subject.propertyTypeLevel) && Number.isFinite(t) ? (t === subject.propertyTypeLevel ? 0 : 1) : 0.5;
    const ageMonths = (window.asOf - frame.day[i]!) / 30.44;
    const score = distanceM / 1000 / window.radiusKm + sizeGap + 0.5 * ageGap + 1.5 * typeGap + (0.5 * ageMonths) / window.lookbackMonths;
    return { i, distanceM, score, a, t };
  });
  scored.sort((p, q) => p.score - q.score || p.distanceM - q.distanceM || frame.saleId[p.i]! - frame.saleId[q.i]!);
  return scored.slice(0, count).map(({ i, distanceM, score, a, t }) => ({
    saleId: frame.saleId[i]!,
    propertyId: frame.propertyId[i]!,
    distanceM,
    saleDay: frame.day[i]!,
    salePrice: frame.price[i]!,
    adjustedPrice: frame.price[i]! * index.factor(frame.day[i]!, window.asOf),
    propertyType: Number.isFinite(t) && typeSpec?.levels ? (typeSpec.levels[t] ?? null) : null,
    floorArea: a > 0 ? a : null,
    similarity: Math.exp(-score),
  }));
}
