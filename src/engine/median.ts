/** The median (mean of the two middle values for an even count); NaN for no values. */
export function median(values: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(values), values.length);
}

/** The median of `values[0..count)`, sorting them in place (for callers with a scratch buffer). */
export function medianInPlace(values: Float64Array, count: number): number {
  if (count === 0) return NaN;
  // A typed array sorts numerically without a comparator call per comparison: this runs for every
  // valuation (the neighbourhood's medians), so it matters.
  const sorted = values.subarray(0, count).sort();
  const mid = count >> 1;
  return count % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
