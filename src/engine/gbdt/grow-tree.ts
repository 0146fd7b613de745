// Leaf-wise (best-first) growth of one tree, after LightGBM's serial_tree_learner.cpp: keep the best split
// of every leaf, always split the leaf whose split gains most, until numLeaves leaves or no leaf can gain.
// A child's histogram comes from building the smaller child and subtracting it from the parent.
import type { BinMapper } from './bin-mapper.js';
import { HistogramBuilder, subtractHistogram, type BinMatrix } from './histogram.js';
import { findCategoricalSplit, findNumericSplit, SplitCandidate, type SplitConstraints } from './find-best-split.js';
import type { GbdtParams } from './params.js';
import type { TreeRecord } from './tree-record.js';

export interface BinnedData {
  n: number;
  bins: BinMatrix;
  mappers: BinMapper[];
  numBins: Int32Array;
  binOffset: Int32Array;
  totalBins: number;
}

export interface GrownTree {
  record: TreeRecord;
  /** Per internal node: bin -> 1 when the bin goes left (for a categorical, indexed by level as well). */
  nodeBinLeft: Uint8Array[];
  /** The grown rows, grouped by leaf: leaf j holds rows[leafBegin[j] .. leafBegin[j]+leafCount[j]). */
  rows: Int32Array;
  leafBegin: Int32Array;
  leafCount: Int32Array;
}

export class TreeLearner {
  private readonly rows: Int32Array;
  private readonly scratch: Int32Array;
  private readonly orderedGrad: Float64Array;
  private readonly orderedHess: Float64Array;
  private readonly pool: Float64Array[];
  private readonly constraints: SplitConstraints;
  private readonly maxLeaves: number;
  private readonly maxDepth: number;
  private readonly minGain: number;
  private readonly leafBegin: Int32Array;
  private readonly leafCount: Int32Array;
  private readonly leafGrad: Float64Array;
  private readonly leafHess: Float64Array;
  private readonly leafDepth: Int32Array;
  private readonly leafSlot: Int32Array;
  private readonly best: SplitCandidate[];
  private readonly histograms: HistogramBuilder;

  constructor(
    private readonly data: BinnedData,
    private readonly params: GbdtParams,
  ) {
    const n = data.n;
    this.rows = new Int32Array(n);
    this.histograms = new HistogramBuilder(data.bins, n, data.binOffset, data.numBins);
    this.scratch = new Int32Array(n);
    this.orderedGrad = new Float64Array(n);
    this.orderedHess = new Float64Array(n);
    this.maxLeaves = params.numLeaves;
    this.maxDepth = params.maxDepth < 0 ? Infinity : params.maxDepth;
    this.minGain = params.minGainToSplit;
    this.constraints = {
      lambdaL2: params.lambdaL2,
      minDataInLeaf: params.minDataInLeaf,
      minSumHessianInLeaf: params.minSumHessianInLeaf,
      catSmooth: params.catSmooth,
      maxCatThreshold: params.maxCatThreshold,
      minDataPerGroup: params.minDataPerGroup,
    };
    const L = this.maxLeaves;
    this.pool = [];
    this.leafBegin = new Int32Array(L);
    this.leafCount = new Int32Array(L);
    this.leafGrad = new Float64Array(L);
    this.leafHess = new Float64Array(L);
    this.leafDepth = new Int32Array(L);
    this.leafSlot = new Int32Array(L);
    this.best = Array.from({ length: L }, () => new SplitCandidate());
  }

  private histogram(slot: number): Float64Array {
    // allocated on first use: small trees never pay for numLeaves buffers
    let h = this.pool[slot];
    if (!h) this.pool[slot] = h = new Float64Array(this.data.totalBins * 3);
    return h;
  }

  /**
   * Grows one tree on rows `bag[0..bagCount)` (ascending) with gradients and hessians per row (hess null:
   * every hessian is 1), splitting only on `features[0..featureCount)`.
   */
  grow(grad: Float64Array, hess: Float64Array | null, bag: Int32Array, bagCount: number, features: Int32Array, featureCount: number): GrownTree {
    const { data, params } = this;
    const rows = this.rows;
    rows.set(bag.subarray(0, bagCount));
    let sumG = 0;
    let sumH = 0;
    for (let i = 0; i < bagCount; i++) {
      const r = rows[i]!;
      sumG += grad[r]!;
      sumH += hess === null ? 1 : hess[r]!;
    }
    const splitFeature: number[] = [];
    const threshold: number[] = [];
    const defaultLeft: number[] = [];
    const leftCategories: (number[] | null)[] = [];
    const leftChild: number[] = [];
    const rightChild: number[] = [];
    const gains: number[] = [];
    const nodeBinLeft: Uint8Array[] = [];
    // internal node (and side) whose child pointer names each leaf, to re-point it when the leaf splits
    const parentNode = new Int32Array(this.maxLeaves).fill(-1);
    const parentIsLeft = new Uint8Array(this.maxLeaves);
    const freeSlots: number[] = [];
    for (let s = this.maxLeaves - 1; s >= 1; s--) freeSlots.push(s);

    this.leafBegin[0] = 0;
    this.leafCount[0] = bagCount;
    this.leafGrad[0] = sumG;
    this.leafHess[0] = sumH;
    this.leafDepth[0] = 0;
    this.leafSlot[0] = 0;
    let numLeaves = 1;
    if (this.canSplit(0)) {
      this.build(0, grad, hess, features, featureCount);
      this.findBest(0, features, featureCount);
    } else this.best[0]!.reset(Infinity);

    while (numLeaves < this.maxLeaves) {
      let chosen = -1;
      let chosenGain = -Infinity;
      for (let j = 0; j < numLeaves; j++) {
        const b = this.best[j]!;
        if (b.found && b.gain > chosenGain) {
          chosen = j;
          chosenGain = b.gain;
        }
      }
      if (chosen < 0) break;
      const split = this.best[chosen]!;
      const f = split.feature;
      const mapper = data.mappers[f]!;
      const table = new Uint8Array(mapper.numBins);
      if (split.categorical) {
        for (const b of split.leftBins) table[b] = 1;
        // levels the training data never had route like missing
        for (let b = 0; b < mapper.numBins - 1; b++) if (mapper.counts[b] === 0) table[b] = split.defaultLeft ? 1 : 0;
      } else {
        table.fill(1, 0, split.thresholdBin + 1);
      }
      table[mapper.numBins - 1] = split.defaultLeft ? 1 : 0;

      const leftCount = this.partition(chosen, f, table);
      const right = numLeaves++;
      const node = splitFeature.length;
      splitFeature.push(f);
      threshold.push(split.categorical ? 0 : mapper.upperBounds[split.thresholdBin]!);
      defaultLeft.push(split.defaultLeft ? 1 : 0);
      if (split.categorical) {
        const levels: number[] = [];
        for (let b = 0; b < mapper.numBins - 1; b++) if (table[b]) levels.push(b);
        leftCategories.push(levels);
      } else leftCategories.push(null);
      leftChild.push(~chosen);
      rightChild.push(~right);
      gains.push(split.gain);
      nodeBinLeft.push(table);
      const p = parentNode[chosen]!;
      if (p >= 0) {
        if (parentIsLeft[chosen]) leftChild[p] = node;
        else rightChild[p] = node;
      }
      parentNode[chosen] = node;
      parentIsLeft[chosen] = 1;
      parentNode[right] = node;
      parentIsLeft[right] = 0;

      const parentGrad = this.leafGrad[chosen]!;
      const parentHess = this.leafHess[chosen]!;
      const depth = this.leafDepth[chosen]! + 1;
      const begin = this.leafBegin[chosen]!;
      const count = this.leafCount[chosen]!;
      this.leafBegin[right] = begin + leftCount;
      this.leafCount[right] = count - leftCount;
      this.leafCount[chosen] = leftCount;
      this.leafGrad[right] = parentGrad - split.leftGrad;
      this.leafHess[right] = parentHess - split.leftHess;
      this.leafGrad[chosen] = split.leftGrad;
      this.leafHess[chosen] = split.leftHess;
      this.leafDepth[chosen] = depth;
      this.leafDepth[right] = depth;

      const leftSplits = this.canSplit(chosen);
      const rightSplits = this.canSplit(right);
      const parentSlot = this.leafSlot[chosen]!;
      const newSlot = freeSlots.pop()!;
      if (leftSplits || rightSplits) {
        const leftIsSmaller = leftCount <= count - leftCount;
        const small = leftIsSmaller ? chosen : right;
        const large = leftIsSmaller ? right : chosen;
        this.leafSlot[small] = newSlot;
        this.leafSlot[large] = parentSlot;
        this.build(small, grad, hess, features, featureCount);
        if (leftIsSmaller ? rightSplits : leftSplits) {
          subtractHistogram(this.histogram(parentSlot), this.histogram(newSlot), data.binOffset, data.numBins, features, featureCount);
        }
      } else {
        this.leafSlot[chosen] = parentSlot;
        this.leafSlot[right] = newSlot;
      }
      if (leftSplits) this.findBest(chosen, features, featureCount);
      else this.best[chosen]!.reset(Infinity);
      if (rightSplits) this.findBest(right, features, featureCount);
      else this.best[right]!.reset(Infinity);
    }

    const leafValue: number[] = [];
    const leafCover: number[] = [];
    const shrink = params.learningRate;
    for (let j = 0; j < numLeaves; j++) {
      // + 0 turns -0 into 0, which JSON would not keep
      const denominator = this.leafHess[j]! + params.lambdaL2;
      leafValue.push(denominator > 0 ? (-this.leafGrad[j]! / denominator) * shrink + 0 : 0);
      leafCover.push(this.leafHess[j]!);
    }
    return {
      record: { splitFeature, threshold, defaultLeft, leftCategories, left: leftChild, right: rightChild, gain: gains, leafValue, leafCover },
      nodeBinLeft,
      rows,
      leafBegin: this.leafBegin.slice(0, numLeaves),
      leafCount: this.leafCount.slice(0, numLeaves),
    };
  }

  private canSplit(leaf: number): boolean {
    const p = this.params;
    return this.leafDepth[leaf]! < this.maxDepth
      && this.leafCount[leaf]! >= 2 * p.minDataInLeaf
      && this.leafHess[leaf]! >= 2 * p.minSumHessianInLeaf;
  }

  private build(leaf: number, grad: Float64Array, hess: Float64Array | null, features: Int32Array, featureCount: number): void {
    const begin = this.leafBegin[leaf]!;
    const count = this.leafCount[leaf]!;
    const rows = this.rows;
    const og = this.orderedGrad;
    const oh = this.orderedHess;
    for (let i = 0; i < count; i++) og[i] = grad[rows[begin + i]!]!;
    if (hess !== null) for (let i = 0; i < count; i++) oh[i] = hess[rows[begin + i]!]!;
    this.histograms.build(this.histogram(this.leafSlot[leaf]!), features, featureCount, rows, begin, count, og, hess === null ? null : oh);
  }

  private findBest(leaf: number, features: Int32Array, featureCount: number): void {
    const best = this.best[leaf]!;
    best.reset(this.minGain);
    const hist = this.histogram(this.leafSlot[leaf]!);
    const d = this.data;
    const g = this.leafGrad[leaf]!;
    const h = this.leafHess[leaf]!;
    const c = this.leafCount[leaf]!;
    for (let j = 0; j < featureCount; j++) {
      const f = features[j]!;
      const mapper = d.mappers[f]!;
      if (mapper.categorical) findCategoricalSplit(hist, d.binOffset[f]! * 3, d.numBins[f]!, f, g, h, c, this.constraints, best);
      else findNumericSplit(hist, d.binOffset[f]! * 3, d.numBins[f]!, f, g, h, c, this.constraints, best);
    }
  }

  /** Stable in-place partition of a leaf's rows; returns how many went left. */
  private partition(leaf: number, feature: number, table: Uint8Array): number {
    const rows = this.rows;
    const scratch = this.scratch;
    const bins = this.data.bins;
    const off = feature * this.data.n;
    const begin = this.leafBegin[leaf]!;
    const end = begin + this.leafCount[leaf]!;
    let l = begin;
    let r = 0;
    // branch-free: a split sends rows either way unpredictably, and a mispredicted branch per row costs more
    // than writing every row to both places
    for (let i = begin; i < end; i++) {
      const row = rows[i]!;
      const toLeft = table[bins[off + row]!]!;
      rows[l] = row;
      scratch[r] = row;
      l += toLeft;
      r += 1 - toLeft;
    }
    rows.set(scratch.subarray(0, r), l);
    return l - begin;
  }
}
