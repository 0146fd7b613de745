// The boosting loop: squared-error (or Huber) gradients, one leaf-wise tree per round on a bag of rows and a sample
// of features, shrinkage, and early stopping on a validation set that keeps the best round's trees.
import { buildBinMapper, numericBin } from './bin-mapper.js';
import type { BinnedData } from './grow-tree.js';
import type { BinMatrix } from './histogram.js';
import { TreeLearner } from './grow-tree.js';
import { GbdtModel } from './model.js';
import { resolveGbdtParams, type GbdtParams } from './params.js';
import { SeededRandom } from './random.js';
import { checkTrainingData, type TrainingData } from './training-data.js';
import type { TreeRecord } from './tree-record.js';

export function trainGbdt(train: TrainingData, params?: Partial<GbdtParams>, valid?: TrainingData): GbdtModel {
  const p = resolveGbdtParams(params);
  const n = checkTrainingData(train, 'training data');
  const validRows = valid ? checkTrainingData(valid, 'validation data', train.features) : 0;
  const data = binTrainingData(train, p.maxBins);
  const label = train.label;
  const weight = train.weight ?? null;

  let baseScore = 0;
  if (weight) {
    let sw = 0;
    for (let i = 0; i < n; i++) {
      baseScore += label[i]! * weight[i]!;
      sw += weight[i]!;
    }
    baseScore /= sw;
  } else {
    for (let i = 0; i < n; i++) baseScore += label[i]!;
    baseScore /= n;
  }

  const usable: number[] = [];
  data.mappers.forEach((m, f) => m.usable && usable.push(f));
  const featureCount = usable.length === 0 ? 0 : Math.max(1, Math.round(usable.length * p.featureFraction));
  const features = Int32Array.from(usable);
  const featurePool = Int32Array.from(usable);
  const bagCount = p.baggingFraction < 1 ? Math.max(1, Math.round(n * p.baggingFraction)) : n;
  const bag = new Int32Array(n);
  const outOfBag = new Int32Array(n);
  const bagOrder = Int32Array.from({ length: n }, (_, i) => i);
  const bagMark = new Uint8Array(n);
  if (bagCount === n) for (let i = 0; i < n; i++) bag[i] = i;

  const score = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n);
  const huber = p.huberDelta > 0;
  const hess = huber ? new Float64Array(n) : weight ? new Float64Array(weight) : null;
  const rng = new SeededRandom(p.seed);
  const learner = new TreeLearner(data, p);
  const trees: TreeRecord[] = [];

  const validScore = valid ? new Float64Array(validRows).fill(baseScore) : null;
  // validation rows binned with the training bins: routing by bin is the same as by value (see binColumns)
  const validBins = valid ? binColumns(valid, data) : null;
  let bestLoss = Infinity;
  let bestRounds = 0;

  for (let round = 0; round < p.numRounds; round++) {
    if (!huber) {
      if (weight) for (let i = 0; i < n; i++) grad[i] = (score[i]! - label[i]!) * weight[i]!;
      else for (let i = 0; i < n; i++) grad[i] = score[i]! - label[i]!;
    } else {
      // Huber as iteratively reweighted least squares: a row beyond the threshold keeps the clipped
      // gradient and takes the hessian δ/|r|, so a leaf's value is the reweighted mean residual. The unit
      // hessian (LightGBM's choice) makes steps of at most δ and, with a small δ, thousands of rounds.
      const delta = p.huberDelta;
      for (let i = 0; i < n; i++) {
        const r = score[i]! - label[i]!;
        const a = Math.abs(r);
        const w = weight ? weight[i]! : 1;
        if (a > delta) {
          grad[i] = (r > 0 ? delta : -delta) * w;
          hess![i] = (w * delta) / a;
        } else {
          grad[i] = r * w;
          hess![i] = w;
        }
      }
    }

    if (featureCount < usable.length) {
      // partial Fisher–Yates over the usable features, then ascending so that ties resolve the same way
      featurePool.set(usable);
      for (let k = 0; k < featureCount; k++) {
        const j = k + Math.floor(rng.next() * (usable.length - k));
        const tmp = featurePool[k]!;
        featurePool[k] = featurePool[j]!;
        featurePool[j] = tmp;
      }
      features.set(featurePool.subarray(0, featureCount).sort());
    }
    const outOfBagCount = bagCount < n ? rng.sample(n, bagCount, bag, outOfBag, bagOrder, bagMark) : 0;

    const grown = learner.grow(grad, hess, bag, bagCount, features, featureCount);
    const tree = grown.record;
    // TreeSHAP weighs paths by the covers: keep them the rows' own weights, not this round's reweighting.
    if (huber) for (let leaf = 0; leaf < tree.leafCover.length; leaf++) tree.leafCover[leaf] = rowWeightSum(grown.rows, grown.leafBegin[leaf]!, grown.leafCount[leaf]!, weight);
    trees.push(tree);

    for (let leaf = 0; leaf < tree.leafValue.length; leaf++) {
      const value = tree.leafValue[leaf]!;
      const begin = grown.leafBegin[leaf]!;
      const end = begin + grown.leafCount[leaf]!;
      for (let i = begin; i < end; i++) score[grown.rows[i]!] += value;
    }
    if (outOfBagCount > 0) {
      const { bins } = data;
      for (let i = 0; i < outOfBagCount; i++) {
        const row = outOfBag[i]!;
        let node = tree.splitFeature.length > 0 ? 0 : ~0;
        while (node >= 0) {
          const table = grown.nodeBinLeft[node]!;
          node = table[bins[tree.splitFeature[node]! * n + row]!] ? tree.left[node]! : tree.right[node]!;
        }
        score[row] += tree.leafValue[~node]!;
      }
    }

    if (valid && validScore) {
      let loss = 0;
      let totalWeight = 0;
      for (let i = 0; i < validRows; i++) {
        let node = tree.splitFeature.length > 0 ? 0 : ~0;
        while (node >= 0) {
          const table = grown.nodeBinLeft[node]!;
          node = table[validBins![tree.splitFeature[node]! * validRows + i]!] ? tree.left[node]! : tree.right[node]!;
        }
        validScore[i] += tree.leafValue[~node]!;
        const w = valid.weight ? valid.weight[i]! : 1;
        loss += w * objectiveLoss(validScore[i]! - valid.label[i]!, p.huberDelta);
        totalWeight += w;
      }
      loss /= totalWeight;
      if (loss < bestLoss) {
        bestLoss = loss;
        bestRounds = round + 1;
      } else if (p.earlyStoppingRounds > 0 && round + 1 - bestRounds >= p.earlyStoppingRounds) break;
    }
  }
  const kept = valid && p.earlyStoppingRounds > 0 ? trees.slice(0, bestRounds) : trees;
  return new GbdtModel({ features: train.features.map((f) => ({ ...f })), params: p, baseScore, trees: kept });
}

function rowWeightSum(rows: ArrayLike<number>, begin: number, count: number, weight: Float64Array | null): number {
  if (!weight) return count;
  let sum = 0;
  for (let i = begin; i < begin + count; i++) sum += weight[rows[i]!]!;
  return sum;
}

/** The training objective's loss of one residual (twice the Huber loss, so both equal e² near zero). */
function objectiveLoss(e: number, huberDelta: number): number {
  const a = Math.abs(e);
  return huberDelta > 0 && a > huberDelta ? huberDelta * (2 * a - huberDelta) : e * e;
}

function binTrainingData(train: TrainingData, maxBins: number): BinnedData {
  const n = train.label.length;
  const mappers = train.features.map((spec, f) => buildBinMapper(spec, train.columns[f]!, maxBins));
  const numBins = Int32Array.from(mappers.map((m) => m.numBins));
  const binOffset = new Int32Array(mappers.length);
  let totalBins = 0;
  mappers.forEach((m, f) => {
    binOffset[f] = totalBins;
    totalBins += m.numBins;
  });
  const bins = binColumns(train, { mappers });
  return { n, bins, mappers, numBins, binOffset, totalBins };
}

/**
 * Column-major bin indices of a data set under the training bins. A numeric value v lands in the first bin
 * whose upper bound is >= v, so "bin <= t" is exactly "v <= threshold"; NaN lands in the missing bin; a
 * categorical level is its own bin (levels without training rows route like missing in every split).
 */
function binColumns(data: TrainingData, binned: Pick<BinnedData, 'mappers'>): BinMatrix {
  const n = data.label.length;
  const { mappers } = binned;
  const wide = mappers.some((m) => m.numBins > 256);
  const bins = wide ? new Uint16Array(n * mappers.length) : new Uint8Array(n * mappers.length);
  mappers.forEach((m, f) => {
    const column = data.columns[f]!;
    const off = f * n;
    if (m.categorical) {
      const missing = m.numBins - 1;
      for (let i = 0; i < n; i++) {
        const v = column[i]!;
        bins[off + i] = v === v ? v : missing;
      }
    } else {
      for (let i = 0; i < n; i++) bins[off + i] = numericBin(m.upperBounds, column[i]!);
    }
  });
  return bins;
}
