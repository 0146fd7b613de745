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
import type { Forest } from './forest.js';

export class TreeShapExplainer {
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
  /** weights[d * stride + s] = s!(d−s−1)!/d! */
  private readonly weights: Float64Array;
  private readonly stride: number;
  // scratch
  private readonly decision: Uint8Array;
  private readonly follows: Uint8Array;
  private readonly poly: Float64Array;
  private readonly quotient: Float64Array;

  constructor(private readonly forest: Forest) {
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
    const visitLeaf = (leaf: number) => {
      this.leafPathStart[leaf] = pathNode.length;
      this.leafUniqStart[leaf] = uniqFeature.length;
      const first = uniqFeature.length;
      for (let k = 0; k < stackNode.length; k++) {
        const node = stackNode[k]!;
        const wentLeft = stackLeft[k]!;
        const f = forest.feature[node]!;
        const child = wentLeft ? forest.left[node]! : forest.right[node]!;
        const fraction = (child >= 0 ? forest.nodeCover[child]! : forest.leafCover[~child]!) / forest.nodeCover[node]!;
        let pos = uniqFeature.indexOf(f, first) - first;
        if (pos < 0) {
          pos = uniqFeature.length - first;
          uniqFeature.push(f);
          uniqZ.push(fraction);
        } else uniqZ[first + pos]! *= fraction;
        pathNode.push(node);
        pathLeft.push(wentLeft);
        pathPos.push(pos);
      }
      this.leafPathLength[leaf] = stackNode.length;
      this.leafUniqCount[leaf] = uniqFeature.length - first;
      maxUnique = Math.max(maxUnique, uniqFeature.length - first);
    };
    const walk = (pointer: number) => {
      if (pointer < 0) return visitLeaf(~pointer);
      stackNode.push(pointer);
      stackLeft.push(1);
      walk(forest.left[pointer]!);
      stackLeft[stackLeft.length - 1] = 0;
      walk(forest.right[pointer]!);
      stackNode.pop();
      stackLeft.pop();
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
    this.decision = new Uint8Array(forest.feature.length);
    this.follows = new Uint8Array(maxUnique);
    this.poly = new Float64Array(maxUnique + 1);
    this.quotient = new Float64Array(maxUnique + 1);
  }

  /** Adds each feature's SHAP value for row x into out (out is not cleared). */
  accumulate(x: ArrayLike<number>, out: Float64Array): void {
    const forest = this.forest;
    const { decision, follows, poly, quotient, weights, stride } = this;
    const { leafPathStart, leafPathLength, pathNode, pathLeft, pathPos, leafUniqStart, leafUniqCount, uniqFeature, uniqZ } = this;
    const leafValue = forest.leafValue;
    for (let t = 0; t < forest.numTrees; t++) {
      const n0 = forest.nodeStart[t]!;
      const n1 = forest.nodeStart[t + 1]!;
      if (n0 === n1) continue; // a single leaf explains nothing
      for (let node = n0; node < n1; node++) decision[node] = forest.goesLeft(node, x[forest.feature[node]!]!) ? 1 : 0;
      for (let leaf = forest.leafStart[t]!; leaf < forest.leafStart[t + 1]!; leaf++) {
        const u0 = leafUniqStart[leaf]!;
        const d = leafUniqCount[leaf]!;
        follows.fill(1, 0, d);
        const k0 = leafPathStart[leaf]!;
        for (let k = k0; k < k0 + leafPathLength[leaf]!; k++) {
          if (decision[pathNode[k]!] !== pathLeft[k]) follows[pathPos[k]!] = 0;
        }
        // ZN = Π_{j∉P} z_j, poly = Π_{j∈P} (1 + z_j t)
        let zn = leafValue[leaf]!;
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
  }
}
