// The trees of a model packed into flat typed arrays, shared by prediction and TreeSHAP. Node and leaf
// indices are global across trees; a child pointer >= 0 is an internal node, < 0 the leaf ~pointer.
import type { FeatureSpec } from '../types.js';
import type { TreeRecord } from './tree-record.js';
import { specializedCopy } from './specialize.js';

export const DEFAULT_LEFT = 1;
export const CATEGORICAL = 2;

export class Forest {
  readonly numTrees: number;
  /** Root pointer of each tree. */
  readonly root: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly flags: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** child[2 * node] = left, child[2 * node + 1] = right: indexed by goesRight, without a branch. */
  readonly child: Int32Array;
  /** 1 where a missing value goes right (numeric nodes). */
  readonly missingRight: Uint8Array;
  /** Categorical nodes: a bitset over levels at catWords[catStart .. catStart + ceil(levels/32)). */
  readonly catStart: Int32Array;
  readonly catWords: Uint32Array;
  /** Levels of each node's categorical feature (0 for numeric nodes). */
  readonly catLevels: Int32Array;
  /** Sum of hessians of the training rows through each node (leaves: leafCover; internal: children's sum). */
  readonly nodeCover: Float64Array;
  readonly leafValue: Float64Array;
  readonly leafCover: Float64Array;
  /** First global internal node and leaf of each tree (with a final entry for the end). */
  readonly nodeStart: Int32Array;
  readonly leafStart: Int32Array;
  /** The deepest root-to-leaf path, in internal nodes. */
  readonly maxDepth: number;
  /** The child a row moves to from an internal node (a closure over the arrays, which V8 inlines well). */
  readonly step: (node: number, x: ArrayLike<number>) => number;
  /** 1 when a row with value v goes right at an internal node, else 0 (the same kind of closure). */
  readonly routeRight: (node: number, v: number) => number;
  /**
   * baseScore plus every tree's leaf value, added in tree order. Four trees are walked in step: each walk
   * is a chain of dependent loads, and interleaving four independent chains keeps the CPU busy meanwhile.
   * A closure like `step`, so that V8 knows the arrays as constants (specialize.ts).
   */
  readonly predictRow: (baseScore: number, x: ArrayLike<number>) => number;

  constructor(trees: TreeRecord[], features: FeatureSpec[]) {
    this.numTrees = trees.length;
    let nodes = 0;
    let leaves = 0;
    let words = 0;
    for (const t of trees) {
      nodes += t.splitFeature.length;
      leaves += t.leafValue.length;
      t.leftCategories.forEach((cats, k) => {
        if (cats) words += Math.ceil(features[t.splitFeature[k]!]!.levels!.length / 32);
      });
    }
    this.root = new Int32Array(trees.length);
    this.feature = new Int32Array(nodes);
    this.threshold = new Float64Array(nodes);
    this.flags = new Uint8Array(nodes);
    this.left = new Int32Array(nodes);
    this.right = new Int32Array(nodes);
    this.child = new Int32Array(2 * nodes);
    this.missingRight = new Uint8Array(nodes);
    this.catStart = new Int32Array(nodes);
    this.catLevels = new Int32Array(nodes);
    this.catWords = new Uint32Array(words);
    this.nodeCover = new Float64Array(nodes);
    this.leafValue = new Float64Array(leaves);
    this.leafCover = new Float64Array(leaves);
    this.nodeStart = new Int32Array(trees.length + 1);
    this.leafStart = new Int32Array(trees.length + 1);
    let n0 = 0;
    let l0 = 0;
    let w = 0;
    let maxDepth = 0;
    trees.forEach((t, ti) => {
      this.nodeStart[ti] = n0;
      this.leafStart[ti] = l0;
      const local = (child: number) => (child >= 0 ? child + n0 : ~(~child + l0));
      this.root[ti] = t.splitFeature.length > 0 ? n0 : ~l0;
      for (let k = 0; k < t.splitFeature.length; k++) {
        const g = n0 + k;
        const f = t.splitFeature[k]!;
        this.feature[g] = f;
        this.threshold[g] = t.threshold[k]!;
        this.left[g] = local(t.left[k]!);
        this.right[g] = local(t.right[k]!);
        let flags = t.defaultLeft[k] ? DEFAULT_LEFT : 0;
        const cats = t.leftCategories[k];
        if (cats) {
          flags |= CATEGORICAL;
          const levels = features[f]!.levels!.length;
          this.catStart[g] = w;
          this.catLevels[g] = levels;
          for (const c of cats) this.catWords[w + (c >>> 5)]! |= 1 << (c & 31);
          w += Math.ceil(levels / 32);
        }
        this.flags[g] = flags;
        this.child[2 * g] = this.left[g]!;
        this.child[2 * g + 1] = this.right[g]!;
        this.missingRight[g] = flags & DEFAULT_LEFT ? 0 : 1;
      }
      for (let j = 0; j < t.leafValue.length; j++) {
        this.leafValue[l0 + j] = t.leafValue[j]!;
        this.leafCover[l0 + j] = t.leafCover[j]!;
      }
      if (t.splitFeature.length > 0) maxDepth = Math.max(maxDepth, this.fillCover(n0, 0));
      n0 += t.splitFeature.length;
      l0 += t.leafValue.length;
    });
    this.nodeStart[trees.length] = n0;
    this.leafStart[trees.length] = l0;
    this.maxDepth = maxDepth;
    const kernels = specializedCopy(forestKernels)({
      feature: this.feature,
      threshold: this.threshold,
      flags: this.flags,
      child: this.child,
      missingRight: this.missingRight,
      root: this.root,
      leafValue: this.leafValue,
      numTrees: this.numTrees,
      categorical: CATEGORICAL,
      goesRight: (node, v) => this.goesRight(node, v),
    });
    this.step = kernels.step;
    this.routeRight = kernels.routeRight;
    this.predictRow = kernels.predictRow;
  }

  /** Sets internal covers bottom-up as the sum of the children's, so that covers add up exactly; returns the subtree depth. */
  private fillCover(node: number, depth: number): number {
    let deepest = depth + 1;
    let cover = 0;
    for (const child of [this.left[node]!, this.right[node]!]) {
      if (child >= 0) {
        deepest = Math.max(deepest, this.fillCover(child, depth + 1));
        cover += this.nodeCover[child]!;
      } else cover += this.leafCover[~child]!;
    }
    this.nodeCover[node] = cover;
    return deepest;
  }

  /** Whether a row goes left at an internal node. */
  goesLeft(node: number, v: number): boolean {
    return this.goesRight(node, v) === 0;
  }

  /**
   * 1 when a row goes right at an internal node, else 0. Numeric nodes compute it without a branch: the
   * direction is unpredictable, and a mispredicted branch costs more than the arithmetic.
   */
  goesRight(node: number, v: number): number {
    if ((this.flags[node]! & CATEGORICAL) === 0) return +(v > this.threshold[node]!) | (this.missingRight[node]! & +(v !== v));
    // a missing value, or one that is no level index, routes like missing
    if (!(v >= 0 && v < this.catLevels[node]!) || v !== Math.floor(v)) return (this.flags[node]! & DEFAULT_LEFT) === 0 ? 1 : 0;
    return 1 - ((this.catWords[this.catStart[node]! + (v >>> 5)]! >>> (v & 31)) & 1);
  }

  /** The leaf a row reaches in tree t. */
  leafOf(t: number, x: ArrayLike<number>): number {
    let node = this.root[t]!;
    while (node >= 0) node = this.child[2 * node + this.goesRight(node, x[this.feature[node]!]!)]!;
    return ~node;
  }

  /** Cover-weighted mean output of tree t: its expected value under the training rows' distribution. */
  treeExpectation(t: number): number {
    const root = this.root[t]!;
    if (root < 0) return this.leafValue[~root]!;
    let sum = 0;
    for (let j = this.leafStart[t]!; j < this.leafStart[t + 1]!; j++) sum += this.leafValue[j]! * this.leafCover[j]!;
    return sum / this.nodeCover[root]!;
  }
}

interface ForestArrays {
  feature: Int32Array;
  threshold: Float64Array;
  flags: Uint8Array;
  child: Int32Array;
  missingRight: Uint8Array;
  root: Int32Array;
  leafValue: Float64Array;
  numTrees: number;
  categorical: number;
  goesRight: (node: number, v: number) => number;
}

/** The forest's hot closures, made per forest from a copy of this code (specialize.ts). */
function forestKernels(k: ForestArrays): Pick<Forest, 'step' | 'routeRight' | 'predictRow'> {
  const { feature, threshold, flags, child, missingRight, root, leafValue, categorical, goesRight } = k;
  const T = k.numTrees;
  const step = (node: number, x: ArrayLike<number>): number => {
    const v = x[feature[node]!]!;
    if ((flags[node]! & categorical) !== 0) return child[2 * node + goesRight(node, v)]!;
    return child[2 * node + (+(v > threshold[node]!) | (missingRight[node]! & +(v !== v)))]!;
  };
  const routeRight = (node: number, v: number): number => {
    if ((flags[node]! & categorical) !== 0) return goesRight(node, v);
    return +(v > threshold[node]!) | (missingRight[node]! & +(v !== v));
  };
  const predictRow = (baseScore: number, x: ArrayLike<number>): number => {
    let sum = baseScore;
    let t = 0;
    for (; t + 4 <= T; t += 4) {
      let a = root[t]!;
      let b = root[t + 1]!;
      let c = root[t + 2]!;
      let d = root[t + 3]!;
      // while any of the four is still at an internal node (>= 0)
      while ((a & b & c & d) >= 0) {
        if (a >= 0) a = step(a, x);
        if (b >= 0) b = step(b, x);
        if (c >= 0) c = step(c, x);
        if (d >= 0) d = step(d, x);
      }
      sum += leafValue[~a]!;
      sum += leafValue[~b]!;
      sum += leafValue[~c]!;
      sum += leafValue[~d]!;
    }
    for (; t < T; t++) {
      let node = root[t]!;
      while (node >= 0) node = step(node, x);
      sum += leafValue[~node]!;
    }
    return sum;
  };
  return { step, routeRight, predictRow };
}
