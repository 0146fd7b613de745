// Feature binning, after LightGBM's bin.cpp: a numeric feature's values are cut at quantiles into at most
// maxBins bins (one bin per distinct value when there are few), a categorical feature gets one bin per
// level; either kind has one more bin, the last, for missing values. Training then works on bin indices
// only, so finding a split costs O(bins) instead of O(rows).
import type { FeatureSpec } from '../types.js';

export interface BinMapper {
  categorical: boolean;
  /** Bins including the missing bin (always the last). */
  numBins: number;
  /** Numeric: value v falls in the first bin b with v <= upperBounds[b]; the last bound is +Infinity. */
  upperBounds: Float64Array;
  /** Rows per bin in the training data (the missing bin included). */
  counts: Float64Array;
  /** False when the feature cannot split anything (one value and no missing, or nothing at all). */
  usable: boolean;
}

export function buildBinMapper(spec: FeatureSpec, column: Float64Array, maxBins: number): BinMapper {
  return spec.kind === 'categorical' ? categoricalMapper(spec.levels!.length, column) : numericMapper(column, maxBins);
}

function categoricalMapper(levels: number, column: Float64Array): BinMapper {
  const counts = new Float64Array(levels + 1);
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    counts[v === v ? v : levels]++;
  }
  let nonEmpty = 0;
  for (let b = 0; b <= levels; b++) if (counts[b]! > 0) nonEmpty++;
  return { categorical: true, numBins: levels + 1, upperBounds: new Float64Array(0), counts, usable: nonEmpty >= 2 };
}

function numericMapper(column: Float64Array, maxBins: number): BinMapper {
  const present = new Float64Array(column.length);
  let m = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    if (v === v) present[m++] = v;
  }
  const sorted = present.subarray(0, m).sort();
  const distinct: number[] = [];
  const distinctCount: number[] = [];
  for (let i = 0; i < m; i++) {
    // -0 and 0 are one value
    if (distinct.length && sorted[i] === distinct[distinct.length - 1]) distinctCount[distinctCount.length - 1]!++;
    else {
      distinct.push(sorted[i]! === 0 ? 0 : sorted[i]!);
      distinctCount.push(1);
    }
  }
  const bounds: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) bounds.push(cut(distinct[i]!, distinct[i + 1]!));
  } else {
    // Greedy quantiles: close a bin once it holds its share of the rows still to place, so that a value
    // repeated many times takes a bin of its own and the remaining bins share out the rest evenly.
    let remaining = m;
    let inBin = 0;
    for (let i = 0; i + 1 < distinct.length && bounds.length < maxBins - 1; i++) {
      inBin += distinctCount[i]!;
      const share = remaining / (maxBins - bounds.length);
      if (inBin >= share) {
        bounds.push(cut(distinct[i]!, distinct[i + 1]!));
        remaining -= inBin;
        inBin = 0;
      }
    }
  }
  bounds.push(Infinity);
  const numBins = bounds.length + 1;
  const upperBounds = Float64Array.from(bounds);
  const counts = new Float64Array(numBins);
  for (let i = 0; i < column.length; i++) counts[numericBin(upperBounds, column[i]!)]++;
  const usable = distinct.length >= 2 || (distinct.length === 1 && m < column.length);
  return { categorical: false, numBins, upperBounds, counts, usable };
}

/** A cut between two neighbouring values that keeps `low` below it and `high` above it. */
function cut(low: number, high: number): number {
  const mid = low + (high - low) / 2;
  return mid >= high ? low : mid;
}

/** The bin of a numeric value (NaN: the missing bin, upperBounds.length). */
export function numericBin(upperBounds: Float64Array, v: number): number {
  if (v !== v) return upperBounds.length;
  let lo = 0;
  let hi = upperBounds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= upperBounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
