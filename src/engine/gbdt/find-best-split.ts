// The best split of one leaf on one feature, from its histogram. Gain is the reduction of the
// L2-regularised squared-error objective: G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ).

export interface SplitConstraints {
  lambdaL2: number;
  minDataInLeaf: number;
  minSumHessianInLeaf: number;
  catSmooth: number;
  maxCatThreshold: number;
  minDataPerGroup: number;
}

/** The best split found so far for a leaf; candidates only replace it with a strictly larger gain. */
export class SplitCandidate {
  gain = -Infinity;
  feature = -1;
  categorical = false;
  /** Numeric: the last bin that goes left. */
  thresholdBin = -1;
  defaultLeft = false;
  /** Categorical: the bins that go left (the missing bin among them when missing goes left). */
  leftBins: number[] = [];
  leftGrad = 0;
  leftHess = 0;
  leftCount = 0;

  reset(minGain: number): void {
    this.gain = minGain;
    this.feature = -1;
    this.leftBins = [];
  }

  get found(): boolean {
    return this.feature >= 0;
  }
}

/**
 * Numeric feature: bins 0..numBins-2 hold values in order, bin numBins-1 the missing ones. Every
 * threshold is tried with missing on the right and, when the leaf has missing values, on the left.
 */
export function findNumericSplit(
  hist: Float64Array,
  base: number,
  numBins: number,
  feature: number,
  sumGrad: number,
  sumHess: number,
  count: number,
  c: SplitConstraints,
  best: SplitCandidate,
): void {
  const lambda = c.lambdaL2;
  const minData = c.minDataInLeaf;
  const minHess = c.minSumHessianInLeaf;
  const parentScore = (sumGrad * sumGrad) / (sumHess + lambda);
  const present = numBins - 1;
  const mk = base + present * 3;
  const missGrad = hist[mk]!;
  const missHess = hist[mk + 1]!;
  const missCount = hist[mk + 2]!;
  let lG = 0;
  let lH = 0;
  let lC = 0;
  for (let t = 0; t < present; t++) {
    const k = base + t * 3;
    const binCount = hist[k + 2]!;
    if (binCount === 0) continue; // the same partition as the previous threshold
    lG += hist[k]!;
    lH += hist[k + 1]!;
    lC += binCount;
    // missing goes right
    let rC = count - lC;
    if (lC >= minData && rC >= minData) {
      const rH = sumHess - lH;
      if (lH >= minHess && rH >= minHess) {
        const rG = sumGrad - lG;
        const gain = (lG * lG) / (lH + lambda) + (rG * rG) / (rH + lambda) - parentScore;
        if (gain > best.gain) {
          best.gain = gain;
          best.feature = feature;
          best.categorical = false;
          best.thresholdBin = t;
          // with no missing rows here, missing follows the bigger side
          best.defaultLeft = missCount === 0 && lH >= rH;
          best.leftGrad = lG;
          best.leftHess = lH;
          best.leftCount = lC;
        }
      }
    }
    if (missCount === 0) continue;
    // missing goes left
    const mlC = lC + missCount;
    rC = count - mlC;
    if (mlC >= minData && rC >= minData) {
      const mlH = lH + missHess;
      const rH = sumHess - mlH;
      if (mlH >= minHess && rH >= minHess) {
        const mlG = lG + missGrad;
        const rG = sumGrad - mlG;
        const gain = (mlG * mlG) / (mlH + lambda) + (rG * rG) / (rH + lambda) - parentScore;
        if (gain > best.gain) {
          best.gain = gain;
          best.feature = feature;
          best.categorical = false;
          best.thresholdBin = t;
          best.defaultLeft = true;
          best.leftGrad = mlG;
          best.leftHess = mlH;
          best.leftCount = mlC;
        }
      }
    }
  }
}

/**
 * Categorical feature, LightGBM's many-vs-many method: the categories with enough rows (missing counts as
 * one of them) are ordered by grad/(hess + catSmooth); the left side is a prefix of that order, read from
 * either end, of at most maxCatThreshold categories. Everything else (small categories) goes right.
 */
export function findCategoricalSplit(
  hist: Float64Array,
  base: number,
  numBins: number,
  feature: number,
  sumGrad: number,
  sumHess: number,
  count: number,
  c: SplitConstraints,
  best: SplitCandidate,
): void {
  const lambda = c.lambdaL2;
  const minData = c.minDataInLeaf;
  const minHess = c.minSumHessianInLeaf;
  const parentScore = (sumGrad * sumGrad) / (sumHess + lambda);
  const used: number[] = [];
  const order: number[] = [];
  for (let b = 0; b < numBins; b++) {
    const k = base + b * 3;
    if (hist[k + 2]! >= c.minDataPerGroup) {
      used.push(b);
      order.push(hist[k]! / (hist[k + 1]! + c.catSmooth));
    }
  }
  const m = used.length;
  if (m === 0) return;
  const sorted = used.map((_, i) => i).sort((a, b) => order[a]! - order[b]! || used[a]! - used[b]!).map((i) => used[i]!);
  const maxK = Math.min(c.maxCatThreshold, m);
  let bestDir = 0;
  let bestK = 0;
  for (let dir = 1; dir >= -1; dir -= 2) {
    let lG = 0;
    let lH = 0;
    let lC = 0;
    for (let k = 0; k < maxK; k++) {
      const bin = sorted[dir > 0 ? k : m - 1 - k]!;
      const hk = base + bin * 3;
      lG += hist[hk]!;
      lH += hist[hk + 1]!;
      lC += hist[hk + 2]!;
      const rC = count - lC;
      if (lC < minData || rC < minData) continue;
      const rH = sumHess - lH;
      if (lH < minHess || rH < minHess) continue;
      const rG = sumGrad - lG;
      const gain = (lG * lG) / (lH + lambda) + (rG * rG) / (rH + lambda) - parentScore;
      if (gain > best.gain) {
        best.gain = gain;
        best.feature = feature;
        best.categorical = true;
        best.leftGrad = lG;
        best.leftHess = lH;
        best.leftCount = lC;
        bestDir = dir;
        bestK = k + 1;
      }
    }
  }
  if (bestDir !== 0) {
    const left = bestDir > 0 ? sorted.slice(0, bestK) : sorted.slice(m - bestK);
    left.sort((a, b) => a - b);
    best.leftBins = left;
    best.defaultLeft = left[left.length - 1] === numBins - 1;
  }
}
