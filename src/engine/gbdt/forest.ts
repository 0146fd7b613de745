// The trees of a model packed into flat typed arrays, shared by prediction and TreeSHAP. Node and leaf
// indices are global across trees; a child pointer >= 0 is an internal node, < 0 the leaf ~pointer.
import type { FeatureSpec } from '../types.js';
import type { TreeRecord } from './tree-record.js';

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
    const flags = this.flags[node]!;
    if ((flags & CATEGORICAL) === 0) return v <= this.threshold[node]! || (v !== v && (flags & DEFAULT_LEFT) !== 0);
    // a missing value, or one that is no level index, routes like missing
    if (!(v >= 0 && v < this.catLevels[node]!) || v !== Math.floor(v)) return (flags & DEFAULT_LEFT) !== 0;
    return ((this.catWords[this.catStart[node]! + (v >>> 5)]! >>> (v & 31)) & 1) === 1;
  }

  /** The leaf a row reaches in tree t. */
  leafOf(t: number, x: ArrayLike<number>): number {
    let node = this.root[t]!;
    while (node >= 0) node = this.goesLeft(node, x[this.feature[node]!]!) ? this.left[node]! : this.right[node]!;
    return ~node;
  }

  predictRow(baseScore: number, x: ArrayLike<number>): number {
    const { root, feature, threshold, flags, left, right, leafValue } = this;
    let sum = baseScore;
    for (let t = 0; t < this.numTrees; t++) {
      let node = root[t]!;
      while (node >= 0) {
        const v = x[feature[node]!]!;
        const fl = flags[node]!;
        let goLeft: boolean;
        if ((fl & CATEGORICAL) === 0) goLeft = v <= threshold[node]! || (v !== v && (fl & DEFAULT_LEFT) !== 0);
        else goLeft = this.goesLeft(node, v);
        node = goLeft ? left[node]! : right[node]!;
      }
      sum += leafValue[~node]!;
    }
    return sum;
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
