// The previous TreeSHAP, kept as an independent reference: the tests compare the production explainer
// (tree-shap.ts) against it, and the benchmark times both in the same run. It is not used to explain.
//
// Exact path-dependent TreeSHAP (Lundberg et al. 2018), computed leaf by leaf in closed form.
//
// For one leaf with value v, let D be the distinct features on its root path; for feature j, z_j is the
// product of the cover fractions along the path at j's nodes (the share of training rows that would take
// the path there) and o_j is 1 when x follows the path at every one of j's nodes, else 0. The leaf's
// path-dependent value function is f(S) = v · Π_{j∈S} o_j · Π_{j∈D∖S} z_j, and its Shapley values are
//   for i with o_i = 1: φ_i = v (1 − z_i) Π_{j∉P} z_j · Σ_{s} w_d(s) e_{|P|−1−s}(z_{P∖i})
//   for i with o_i = 0: φ_i = −v Π_{j∉P} z_j · Σ_{s} w_d(s) e_{|P|−s}(z_P)
// where P = {j : o_j = 1}, d = |D|, w_d(s) = s!(d−s−1)!/d! and e_k are elementary symmetric polynomials
// (subsets S of P\i with |S| = s contribute w_d(s) Π_{P∖S} z). This is the same quantity Algorithm 2 of the
// paper accumulates with its extend/unwind path arithmetic, but the path of every leaf and its z's are
// fixed per model, so they are prepared once and only P depends on x. Summed over all leaves of all trees,
// φ adds up to f(x) minus the cover-weighted expectation of f (the model's expectedValue).
//
// Further, writing G(Q) = v · Π_{j∉Q} z_j · Σ_s w_d(s) e_{|Q|−s}(z_Q), the two cases are
// φ_i = (1 − z_i)/z_i · G(P∖i) and φ_i = −G(P), so a leaf with d ≤ TABLE_MAX_FEATURES distinct features keeps
// G for all 2^d subsets (as in Fast TreeSHAP v2, Yang 2021) and a query costs O(d) per leaf; other leaves
// evaluate the closed form in O(d + |P|²). P comes from one walk down the tree that marks, per branch not
// taken, the bit of that node's feature.
import type { Forest } from './forest.js';

/**
 * A leaf whose path has d distinct features gets a table of 2^d doubles when d is at most this and the
 * tables of all such leaves fit in TABLE_BUDGET_BYTES; other leaves evaluate the closed form directly.
 * On Lucas County models tables beat the direct formula by ~40% while they stay in cache, and lose by
 * ~40% once they do not (7.5 MB for 1000 trees with d ≤ 8), so the cut-off is chosen per model.
 */
const TABLE_MAX_FEATURES = 8;
const TABLE_BUDGET_BYTES = 2 * 1024 * 1024;

export class ReferenceTreeShapExplainer {
  /** Per leaf: its path entries pathNode/pathLeft/pathPos[leafPathStart[l] .. + leafPathLength[l]). */
  private readonly leafPathStart: Int32Array;
  private readonly leafPathLength: Int32Array;
  private readonly pathNode: Int32Array;
  private readonly pathLeft: Uint8Array;
  /** Index of the entry's feature within the leaf's distinct features. */
  private readonly pathPos: Int32Array;
  /** Per leaf: distinct path features and their z, at leafUniqStart[l] .. + leafUniqCount[l]. */
  private readonly leafUniqStart: Int32Array;
  private readonly leafUniqCount: Int32Array;
  private readonly uniqFeature: Int32Array;
  private readonly uniqZ: Float64Array;
  /** Bit of each internal node's feature within the distinct features of the path down to it. */
  private readonly nodeBit: Int32Array;
  /** Per leaf: where its G table starts in gTable, or −1 when it has too many features for one. */
  private readonly leafTable: Int32Array;
  private readonly gTable: Float64Array;
  /** Per distinct path feature of a leaf: (1 − z)/z. */
  private readonly uniqRatio: Float64Array;
  private readonly stack: Int32Array;
  /** What a query reads per leaf, side by side: [table start, d, first packed entry]. */
  private readonly leafMeta: Int32Array;
  /** Per distinct path feature of a leaf, side by side: [feature, (1 − z)/z, z]. */
  private readonly packed: Float64Array;
  /** weights[d * stride + s] = s!(d−s−1)!/d! */
  private readonly weights: Float64Array;
  private readonly stride: number;
  // scratch
  private readonly follows: Uint8Array;
  private readonly poly: Float64Array;
  private readonly quotient: Float64Array;

  constructor(
    private readonly forest: Forest,
    tableMaxFeatures = TABLE_MAX_FEATURES,
    /** Leaves with more distinct features than fit in a 31-bit mask read the path instead (tests lower it). */
    private readonly maskMaxFeatures = 31,
  ) {
    const leaves = forest.leafValue.length;
    const pathNode: number[] = [];
    const pathLeft: number[] = [];
    const pathPos: number[] = [];
    const uniqFeature: number[] = [];
    const uniqZ: number[] = [];
    this.leafPathStart = new Int32Array(leaves);
    this.leafPathLength = new Int32Array(leaves);
    this.leafUniqStart = new Int32Array(leaves);
    this.leafUniqCount = new Int32Array(leaves);
    let maxUnique = 1;
    const stackNode: number[] = [];
    const stackLeft: number[] = [];
    // the distinct features of the current path in order of first appearance, and each one's position
    const pathFeatures: number[] = [];
    const positionOf = new Map<number, number>();
    this.nodeBit = new Int32Array(forest.feature.length);
    const visitLeaf = (leaf: number) => {
      this.leafPathStart[leaf] = pathNode.length;
      this.leafUniqStart[leaf] = uniqFeature.length;
      const first = uniqFeature.length;
      for (const f of pathFeatures) {
        uniqFeature.push(f);
        uniqZ.push(1);
      }
      for (let k = 0; k < stackNode.length; k++) {
        const node = stackNode[k]!;
        const wentLeft = stackLeft[k]!;
        const child = wentLeft ? forest.left[node]! : forest.right[node]!;
        const fraction = (child >= 0 ? forest.nodeCover[child]! : forest.leafCover[~child]!) / forest.nodeCover[node]!;
        const pos = positionOf.get(forest.feature[node]!)!;
        uniqZ[first + pos]! *= fraction;
        pathNode.push(node);
        pathLeft.push(wentLeft);
        pathPos.push(pos);
      }
      this.leafPathLength[leaf] = stackNode.length;
      this.leafUniqCount[leaf] = pathFeatures.length;
      maxUnique = Math.max(maxUnique, pathFeatures.length);
    };
    const walk = (pointer: number) => {
      if (pointer < 0) return visitLeaf(~pointer);
      const f = forest.feature[pointer]!;
      const isNew = !positionOf.has(f);
      if (isNew) {
        positionOf.set(f, pathFeatures.length);
        pathFeatures.push(f);
      }
      const pos = positionOf.get(f)!;
      this.nodeBit[pointer] = pos < 31 ? 1 << pos : 0;
      stackNode.push(pointer);
      stackLeft.push(1);
      walk(forest.left[pointer]!);
      stackLeft[stackLeft.length - 1] = 0;
      walk(forest.right[pointer]!);
      stackNode.pop();
      stackLeft.pop();
      if (isNew) {
        positionOf.delete(f);
        pathFeatures.pop();
      }
    };
    for (let t = 0; t < forest.numTrees; t++) walk(forest.root[t]!);
    this.pathNode = Int32Array.from(pathNode);
    this.pathLeft = Uint8Array.from(pathLeft);
    this.pathPos = Int32Array.from(pathPos);
    this.uniqFeature = Int32Array.from(uniqFeature);
    this.uniqZ = Float64Array.from(uniqZ);

    this.stride = maxUnique + 1;
    this.weights = new Float64Array(this.stride * this.stride);
    for (let d = 1; d <= maxUnique; d++) {
      // s!(d−s−1)!/d! = 1 / (d · C(d−1, s))
      let binom = 1;
      for (let s = 0; s < d; s++) {
        this.weights[d * this.stride + s] = 1 / (d * binom);
        binom = (binom * (d - 1 - s)) / (s + 1);
      }
    }
    this.uniqRatio = Float64Array.from(uniqZ, (z) => (1 - z) / z);
    this.leafTable = new Int32Array(leaves).fill(-1);
    // the largest cut-off whose tables fit the budget
    const leavesWith = new Float64Array(TABLE_MAX_FEATURES + 1);
    for (let leaf = 0; leaf < leaves; leaf++) {
      const d = this.leafUniqCount[leaf]!;
      if (d <= TABLE_MAX_FEATURES) leavesWith[d]++;
    }
    let bytes = 0;
    let fits = 0;
    for (let d = 1; d <= Math.min(tableMaxFeatures, TABLE_MAX_FEATURES); d++) {
      bytes += leavesWith[d]! * 2 ** d * 8;
      if (bytes > TABLE_BUDGET_BYTES) break;
      fits = d;
    }
    if (tableMaxFeatures > TABLE_MAX_FEATURES) fits = tableMaxFeatures; // an explicit request (tests)
    let tableSize = 0;
    for (let leaf = 0; leaf < leaves; leaf++) {
      const d = this.leafUniqCount[leaf]!;
      if (d <= fits) {
        this.leafTable[leaf] = tableSize;
        tableSize += 1 << d;
      }
    }
    this.gTable = new Float64Array(tableSize);
    for (let leaf = 0; leaf < leaves; leaf++) if (this.leafTable[leaf]! >= 0) this.fillTable(leaf);
    this.stack = new Int32Array(2 * (forest.maxDepth + 2));
    this.leafMeta = new Int32Array(3 * leaves);
    for (let leaf = 0; leaf < leaves; leaf++) {
      this.leafMeta[3 * leaf] = this.leafTable[leaf]!;
      this.leafMeta[3 * leaf + 1] = this.leafUniqCount[leaf]!;
      this.leafMeta[3 * leaf + 2] = 3 * this.leafUniqStart[leaf]!;
    }
    this.packed = new Float64Array(3 * this.uniqFeature.length);
    for (let u = 0; u < this.uniqFeature.length; u++) {
      this.packed[3 * u] = this.uniqFeature[u]!;
      this.packed[3 * u + 1] = this.uniqRatio[u]!;
      this.packed[3 * u + 2] = this.uniqZ[u]!;
    }
    this.follows = new Uint8Array(maxUnique);
    this.poly = new Float64Array(maxUnique + 1);
    this.quotient = new Float64Array(maxUnique + 1);
  }

  /** Bytes held by the prepared arrays (not the forest), to compare with the current explainer. */
  get byteLength(): number {
    let bytes = 0;
    for (const a of [this.leafPathStart, this.leafPathLength, this.pathNode, this.pathLeft, this.pathPos, this.leafUniqStart, this.leafUniqCount, this.uniqFeature, this.uniqZ, this.nodeBit, this.leafTable, this.gTable, this.uniqRatio, this.stack, this.leafMeta, this.packed, this.weights, this.follows, this.poly, this.quotient]) bytes += a.byteLength;
    return bytes;
  }

  /** G(Q) for every subset Q of the leaf's distinct features (bit j = its j-th feature). */
  private fillTable(leaf: number): void {
    const d = this.leafUniqCount[leaf]!;
    const u0 = this.leafUniqStart[leaf]!;
    const size = 1 << d;
    const width = d + 1;
    // poly[mask] = Π_{j∈mask} (1 + z_j t), built from the mask without its lowest bit
    const poly = new Float64Array(size * width);
    const bits = new Int32Array(size);
    poly[0] = 1;
    for (let mask = 1; mask < size; mask++) {
      const low = mask & -mask;
      const j = 31 - Math.clz32(low);
      const prev = mask ^ low;
      const z = this.uniqZ[u0 + j]!;
      bits[mask] = bits[prev]! + 1;
      const a = prev * width;
      const b = mask * width;
      poly[b] = 1;
      for (let m = 1; m <= bits[mask]!; m++) poly[b + m] = poly[a + m]! + z * poly[a + m - 1]!;
    }
    // outside[mask] = Π_{j∉mask} z_j, built from the mask with its lowest unset bit added
    const outside = new Float64Array(size);
    outside[size - 1] = 1;
    for (let mask = size - 2; mask >= 0; mask--) {
      const j = 31 - Math.clz32(~mask & (mask + 1));
      outside[mask] = outside[mask | (1 << j)]! * this.uniqZ[u0 + j]!;
    }
    const value = this.forest.leafValue[leaf]!;
    const w = d * this.stride;
    const t0 = this.leafTable[leaf]!;
    for (let mask = 0; mask < size - 1; mask++) {
      const k = bits[mask]!;
      let sum = 0;
      for (let s = 0; s <= k; s++) sum += this.weights[w + s]! * poly[mask * width + k - s]!;
      this.gTable[t0 + mask] = value * outside[mask]! * sum;
    }
  }

  /** Adds each feature's SHAP value for row x into out (out is not cleared). */
  accumulate(x: ArrayLike<number>, out: Float64Array): void {
    const forest = this.forest;
    const { stack, nodeBit, leafMeta, gTable, packed } = this;
    const { root, feature, child, routeRight } = forest;
    for (let t = 0; t < forest.numTrees; t++) {
      if (root[t]! < 0) continue; // a single leaf explains nothing
      // depth-first over all leaves; `failed` has the bits of the features where x left the path
      let top = 0;
      let pointer = root[t]!;
      let failed = 0;
      for (;;) {
        if (pointer >= 0) {
          const right = routeRight(pointer, x[feature[pointer]!]!);
          stack[top++] = child[2 * pointer + 1 - right]!;
          stack[top++] = failed | nodeBit[pointer]!;
          pointer = child[2 * pointer + right]!;
          continue;
        }
        const leaf = ~pointer;
        const t0 = leafMeta[3 * leaf]!;
        const d = leafMeta[3 * leaf + 1]!;
        if (t0 >= 0) {
          const p0 = leafMeta[3 * leaf + 2]!;
          const followed = ((1 << d) - 1) & ~failed;
          const g = gTable[t0 + followed]!;
          for (let j = 0; j < d; j++) {
            // branch-free (whether x followed feature j is a coin flip to the branch predictor): both
            // terms are finite, one of them is multiplied by 0
            const inP = (followed >>> j) & 1;
            const k = p0 + 3 * j;
            out[packed[k]!] += inP * packed[k + 1]! * gTable[t0 + (followed ^ (1 << j))]! - (1 - inP) * g;
          }
        } else if (d <= this.maskMaxFeatures) this.accumulateMasked(leaf, failed, out);
        else this.accumulateLeaf(leaf, x, out);
        if (top === 0) break;
        failed = stack[--top]!;
        pointer = stack[--top]!;
      }
    }
  }

  /** One leaf without a table: the closed form evaluated directly, P given as the complement of `failed`. */
  private accumulateMasked(leaf: number, failed: number, out: Float64Array): void {
    const { poly, quotient, weights, stride, packed, leafMeta } = this;
    const d = leafMeta[3 * leaf + 1]!;
    const p0 = leafMeta[3 * leaf + 2]!;
    // zn = v · Π_{j∉P} z_j, poly = Π_{j∈P} (1 + z_j t)
    let zn = this.forest.leafValue[leaf]!;
    let p = 0;
    poly[0] = 1;
    for (let j = 0; j < d; j++) {
      const z = packed[p0 + 3 * j + 2]!;
      if ((failed >>> j) & 1) zn *= z;
      else {
        p++;
        poly[p] = 0;
        for (let m = p; m >= 1; m--) poly[m] += z * poly[m - 1]!;
      }
    }
    const w = d * stride;
    let off = 0;
    if (p < d) {
      let sum = 0;
      for (let s = 0; s <= p; s++) sum += weights[w + s]! * poly[p - s]!;
      off = zn * sum;
    }
    for (let j = 0; j < d; j++) {
      if ((failed >>> j) & 1) {
        out[packed[p0 + 3 * j]!] -= off;
        continue;
      }
      const z = packed[p0 + 3 * j + 2]!;
      // quotient = poly / (1 + z t): the polynomial of P without j
      quotient[0] = 1;
      let sum = weights[w + p - 1]!;
      for (let m = 1; m < p; m++) {
        const q = poly[m]! - z * quotient[m - 1]!;
        quotient[m] = q;
        sum += weights[w + p - 1 - m]! * q;
      }
      out[packed[p0 + 3 * j]!] += zn * (1 - z) * sum;
    }
  }

  /** One leaf with too many distinct features for a table: the closed form evaluated directly. */
  private accumulateLeaf(leaf: number, x: ArrayLike<number>, out: Float64Array): void {
    const forest = this.forest;
    const { follows, poly, quotient, weights, stride } = this;
    const { leafPathStart, leafPathLength, pathNode, pathLeft, pathPos, leafUniqStart, leafUniqCount, uniqFeature, uniqZ } = this;
    const u0 = leafUniqStart[leaf]!;
    const d = leafUniqCount[leaf]!;
    follows.fill(1, 0, d);
    const k0 = leafPathStart[leaf]!;
    for (let k = k0; k < k0 + leafPathLength[leaf]!; k++) {
      const node = pathNode[k]!;
      const wentLeft = forest.goesLeft(node, x[forest.feature[node]!]!) ? 1 : 0;
      if (wentLeft !== pathLeft[k]) follows[pathPos[k]!] = 0;
    }
    // ZN = Π_{j∉P} z_j, poly = Π_{j∈P} (1 + z_j t)
    let zn = forest.leafValue[leaf]!;
    let p = 0;
    poly[0] = 1;
    for (let j = 0; j < d; j++) {
      const z = uniqZ[u0 + j]!;
      if (follows[j]) {
        p++;
        poly[p] = 0;
        for (let m = p; m >= 1; m--) poly[m] += z * poly[m - 1]!;
      } else zn *= z;
    }
    const w = d * stride;
    if (p < d) {
      let sum = 0;
      for (let s = 0; s <= p; s++) sum += weights[w + s]! * poly[p - s]!;
      const off = zn * sum;
      for (let j = 0; j < d; j++) if (!follows[j]) out[uniqFeature[u0 + j]!] -= off;
    }
    if (p > 0) {
      for (let j = 0; j < d; j++) {
        if (!follows[j]) continue;
        const z = uniqZ[u0 + j]!;
        // quotient = poly / (1 + z t): the polynomial of P without j
        quotient[0] = 1;
        for (let m = 1; m < p; m++) quotient[m] = poly[m]! - z * quotient[m - 1]!;
        let sum = 0;
        for (let s = 0; s < p; s++) sum += weights[w + s]! * quotient[p - 1 - s]!;
        out[uniqFeature[u0 + j]!] += zn * (1 - z) * sum;
      }
    }
  }
}
