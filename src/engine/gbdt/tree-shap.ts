// Exact path-dependent TreeSHAP (Lundberg et al. 2018) in time linear in the tree's size, after Linear
// TreeSHAP (Yu et al. 2022).
//
// For one leaf with value v, let D be the distinct features on its root path (d of them); for feature k,
// z_k is the product of the cover fractions at k's nodes on the path and o_k is 1 when x follows the path
// at every one of k's nodes, else 0. The Shapley weight s!(d−s−1)!/d! is the Beta integral
// ∫₀¹ u^s (1−u)^(d−s−1) du, and summing it over the subsets of D collapses the leaf's Shapley value to
//   φ_j = v (o_j − z_j) ∫₀¹ Π_{k∈D, k≠j} f_k(u) du,   f_k(u) = z_k + (o_k − z_k) u,
// a polynomial of degree d − 1, which Gauss–Legendre quadrature with ⌈d/2⌉ nodes integrates exactly.
//
// Per node instead of per leaf: with F_l(u) = Π_{k∈D} f_k(u) and K_e(u) = (o − z)/f(u) for the factor an
// edge e sets for its node's feature j, the leaves whose last j-edge is e contribute K_e(u) · Σ v_l F_l(u).
// That sum is S_c(u) (v·F summed over the leaves below e's child c) minus S_m(u) for each j-node m below c
// with no j-node in between, so node n of feature j adds
//   Σ_q w_q [K_left(u_q) S_left(u_q) + K_right(u_q) S_right(u_q) − K_prev(u_q) S_n(u_q)]
// to φ_j, where K_prev belongs to the previous j-edge above n (none for j's first node on the path). One
// pass down the tree in preorder multiplies F from the parent's (replacing j's old factor), one pass back
// up sums S and adds each node's term: O(nodes × ⌈d/2⌉) per tree, against O(leaves × d) for Fast
// TreeSHAP v2 tables (tree-shap-reference.ts) and O(leaves × d²) for the paper's Algorithm 2.
//
// Everything that depends only on the model is prepared once: the preorder layout, each edge's z and
// cover fraction (and, for trees on the general path, 1 / f(u_q) for o = 1). For o = 0 the factor is z (1 − u), so K = −1/(1 − u) and the
// ratio of a child's F to its parent's is the edge's cover fraction alone, whatever z.
import type { Forest } from './forest.js';
import { gaussLegendre } from './gauss-legendre.js';
import { specializedCopy } from './specialize.js';
import { TreeShapWasm, type PreparedTreeShap } from './tree-shap-wasm.js';

/**
 * Trees whose paths have at most 2 × LANES distinct features (every tree grown with maxDepth <= 8) use a
 * LANES-node rule in straight-line code; deeper ones a loop over ⌈d/2⌉ nodes. Loops of 3 or 4 iterations
 * cost more in bookkeeping than in arithmetic, which is why the common case is written out.
 */
const LANES = 4;

export class TreeShapExplainer {
  /** Tree t's slots (its nodes and leaves in preorder) are [treeSlot[t], treeSlot[t + 1]). */
  private readonly treeSlot: Int32Array;
  /** Quadrature nodes used for tree t, and where its slots' values start in invFollowed (general path only). */
  private readonly treeOrder: Int32Array;
  private readonly treeValueStart: Int32Array;
  /** Per slot; slot indices stored here are local to the tree (0 = root). */
  private readonly slotParent: Int32Array;
  /**
   * The slot of the previous edge on the path that splits on the same feature as this edge; the root (0)
   * when there is none, since the root's factor is 1, its z 1 and its coefficient 0.
   */
  private readonly slotPrevSame: Int32Array;
  /** A forest node (>= 0) or leaf (~leaf). */
  private readonly slotNode: Int32Array;
  /** The right child of an internal node (its left child is the next slot). */
  private readonly slotRightChild: Int32Array;
  private readonly slotIsRight: Uint8Array;
  /** Tree t's internal slots, global indices in preorder, at internalSlots[treeInternal[t] .. treeInternal[t + 1]). */
  private readonly treeInternal: Int32Array;
  private readonly internalSlots: Int32Array;
  /** 1 for an internal slot, the leaf value for a leaf: F times this is what the pass up sums. */
  private readonly slotScale: Float64Array;
  /** z of the edge into this slot: the product of its feature's cover fractions down to here. */
  private readonly slotZ: Float64Array;
  /** The edge's own cover fraction: the share of the parent's cover that went this way. */
  private readonly slotFraction: Float64Array;
  /** Trees on the general path, per slot and quadrature node: 1 / (z + (1 − z) u_q), the factor's inverse when x followed. */
  private readonly invFollowed: Float64Array;
  /** Per order n at offset n(n−1)/2: the nodes u, the weights w and −w/(1 − u). */
  private readonly ruleU: Float64Array;
  private readonly ruleW: Float64Array;
  private readonly ruleFailed: Float64Array;
  // scratch, sized for the largest tree and order
  private readonly product: Float64Array;
  private readonly below: Float64Array;
  private readonly coefficient: Float64Array;
  private readonly follows: Uint8Array;
  private readonly goRight: Uint8Array;
  /** The JavaScript 4-node kernel, compiled only where the WebAssembly one is not used. */
  private readonly fourRule: ((t: number, x: ArrayLike<number>, out: Float64Array) => void) | null;
  /** The four-node rule's trees in WebAssembly (tree-shap-kernel.as.ts), where the build made the module. */
  private readonly wasm: TreeShapWasm | null;

  /** `javascriptOnly` skips the WebAssembly kernel (for tests that compare the two). */
  constructor(
    private readonly forest: Forest,
    options: { javascriptOnly?: boolean } = {},
  ) {
    const T = forest.numTrees;
    const slots = forest.feature.length + forest.leafValue.length;
    this.treeSlot = new Int32Array(T + 1);
    this.treeOrder = new Int32Array(T);
    this.treeValueStart = new Int32Array(T + 1);
    this.slotParent = new Int32Array(slots);
    this.slotPrevSame = new Int32Array(slots);
    this.slotNode = new Int32Array(slots);
    this.slotRightChild = new Int32Array(slots);
    this.slotIsRight = new Uint8Array(slots);
    this.slotZ = new Float64Array(slots);
    this.slotFraction = new Float64Array(slots);

    // per feature, the last edge on the current path that split on it (local slot, 0 = none) and its z
    let features = 0; // the feature columns the trees split on (a loop: spreading a large forest overflows the stack)
    for (let k = 0; k < forest.feature.length; k++) features = Math.max(features, forest.feature[k]! + 1);
    const lastEdge = new Int32Array(features);
    const lastZ = new Float64Array(features).fill(1);
    let next = 0;
    let treeStart = 0;
    let maxTreeSlots = 1;
    let maxOrder = LANES;
    let distinct = 0;
    let deepest = 0;
    // preorder: a slot's parent precedes it, so one forward pass sees every parent first
    const visit = (pointer: number, parent: number, isRight: number, prevSame: number, z: number, fraction: number): void => {
      const slot = next++;
      const local = slot - treeStart;
      this.slotParent[slot] = parent;
      this.slotPrevSame[slot] = prevSame;
      this.slotNode[slot] = pointer;
      this.slotIsRight[slot] = isRight;
      this.slotZ[slot] = z;
      this.slotFraction[slot] = fraction;
      if (pointer < 0) {
        deepest = Math.max(deepest, distinct);
        return;
      }
      const f = forest.feature[pointer]!;
      const before = lastEdge[f]!;
      const zBefore = lastZ[f]!;
      if (before === 0) distinct++;
      const cover = forest.nodeCover[pointer]!;
      for (let side = 0; side < 2; side++) {
        const child = forest.child[2 * pointer + side]!;
        const share = (child >= 0 ? forest.nodeCover[child]! : forest.leafCover[~child]!) / cover;
        if (side === 1) this.slotRightChild[slot] = next - treeStart;
        lastEdge[f] = next - treeStart;
        lastZ[f] = zBefore * share;
        visit(child, local, side, before, zBefore * share, share);
      }
      lastEdge[f] = before;
      lastZ[f] = zBefore;
      if (before === 0) distinct--;
    };
    for (let t = 0; t < T; t++) {
      treeStart = next;
      this.treeSlot[t] = next;
      deepest = 0;
      visit(forest.root[t]!, 0, 0, 0, 1, 1);
      const order = deepest <= 2 * LANES ? LANES : Math.ceil(deepest / 2);
      this.treeOrder[t] = order;
      // only the general path reads a table of inverses; the 4-node kernel divides as it goes
      this.treeValueStart[t + 1] = this.treeValueStart[t]! + (order > LANES ? (next - treeStart) * order : 0);
      maxTreeSlots = Math.max(maxTreeSlots, next - treeStart);
      maxOrder = Math.max(maxOrder, order);
    }
    this.treeSlot[T] = next;

    const ruleSize = (maxOrder * (maxOrder + 1)) >> 1;
    this.ruleU = new Float64Array(ruleSize);
    this.ruleW = new Float64Array(ruleSize);
    this.ruleFailed = new Float64Array(ruleSize);
    for (let n = 1; n <= maxOrder; n++) {
      const { nodes, weights } = gaussLegendre(n);
      const r0 = (n * (n - 1)) >> 1;
      for (let q = 0; q < n; q++) {
        this.ruleU[r0 + q] = nodes[q]!;
        this.ruleW[r0 + q] = weights[q]!;
        this.ruleFailed[r0 + q] = -weights[q]! / (1 - nodes[q]!);
      }
    }

    this.invFollowed = new Float64Array(this.treeValueStart[T]!);
    for (let t = 0; t < T; t++) {
      const n = this.treeOrder[t]!;
      if (n === LANES) continue;
      const r0 = (n * (n - 1)) >> 1;
      for (let s = this.treeSlot[t]!, k = this.treeValueStart[t]!; s < this.treeSlot[t + 1]!; s++) {
        const z = this.slotZ[s]!;
        for (let q = 0; q < n; q++, k++) this.invFollowed[k] = 1 / (z + (1 - z) * this.ruleU[r0 + q]!);
      }
    }

    this.treeInternal = new Int32Array(T + 1);
    this.internalSlots = new Int32Array(forest.feature.length);
    this.slotScale = new Float64Array(slots);
    for (let t = 0, i = 0; t < T; t++) {
      this.treeInternal[t] = i;
      for (let s = this.treeSlot[t]!; s < this.treeSlot[t + 1]!; s++) {
        const node = this.slotNode[s]!;
        if (node >= 0) this.internalSlots[i++] = s;
        this.slotScale[s] = node >= 0 ? 1 : forest.leafValue[~node]!;
      }
      this.treeInternal[t + 1] = i;
    }

    this.product = new Float64Array(maxTreeSlots * maxOrder);
    this.below = new Float64Array(maxTreeSlots * maxOrder);
    this.coefficient = new Float64Array(maxTreeSlots * maxOrder);
    this.follows = new Uint8Array(maxTreeSlots);
    this.goRight = new Uint8Array(maxTreeSlots);
    const R = 6; // (4 · 3) / 2: where the 4-node rule starts
    const prepared: PreparedTreeShap = {
      treeSlot: this.treeSlot,
      treeInternal: this.treeInternal,
      treeOrder: this.treeOrder,
      internalSlots: this.internalSlots,
      slotPrevSame: this.slotPrevSame,
      slotNode: this.slotNode,
      slotRightChild: this.slotRightChild,
      slotZ: this.slotZ,
      slotFraction: this.slotFraction,
      slotScale: this.slotScale,
      maxTreeSlots,
      features,
      rule: { nodes: Array.from(this.ruleU.subarray(R, R + 4)), weights: Array.from(this.ruleW.subarray(R, R + 4)), failed: Array.from(this.ruleFailed.subarray(R, R + 4)) },
    };
    this.wasm = options.javascriptOnly ? null : TreeShapWasm.create(prepared, forest);
    this.fourRule = this.wasm
      ? null
      : specializedCopy(fourRuleKernel)({ ...prepared, routeRight: forest.routeRight, feature: forest.feature, val: this.product, follows: this.follows, goRight: this.goRight });
  }

  /** Whether the four-node rule's trees run in the WebAssembly kernel. */
  get usesWasm(): boolean {
    return this.wasm !== null;
  }

  /** Bytes held by the prepared arrays (not the forest), for reporting. */
  get byteLength(): number {
    let bytes = 0;
    for (const a of [this.treeSlot, this.treeInternal, this.internalSlots, this.slotScale, this.treeOrder, this.treeValueStart, this.slotParent, this.slotPrevSame, this.slotNode, this.slotRightChild, this.slotIsRight, this.slotZ, this.slotFraction, this.invFollowed, this.product, this.below, this.coefficient, this.follows, this.goRight]) bytes += a.byteLength;
    return bytes + (this.wasm?.byteLength ?? 0);
  }

  /**
   * Adds each feature's SHAP value for row x into out (out is not cleared). With `leaves` (one entry per
   * tree), also sets leaves[t] to the value of the leaf x reaches in tree t: the WebAssembly kernel finds it
   * from the branches it has just taken, so the prediction costs next to nothing here.
   */
  accumulate(x: ArrayLike<number>, out: Float64Array, leaves?: Float64Array): void {
    const { forest, treeSlot, treeOrder, wasm, fourRule } = this;
    wasm?.accumulate(x, out, leaves);
    for (let t = 0; t < forest.numTrees; t++) {
      if (treeSlot[t + 1]! - treeSlot[t]! === 1) {
        // a single leaf explains nothing
      } else if (treeOrder[t] !== LANES) this.accumulateAny(t, x, out);
      else if (wasm) continue; // contributions and leaf both set by the kernel
      else fourRule!(t, x, out);
      if (leaves) leaves[t] = forest.leafValue[forest.leafOf(t, x)]!;
    }
  }

  /** One tree with a rule of any order (paths with more than 2 × LANES distinct features). */
  private accumulateAny(t: number, x: ArrayLike<number>, out: Float64Array): void {
    const { routeRight, feature, leafValue } = this.forest;
    const { slotParent, slotPrevSame, slotNode, slotRightChild, slotIsRight, slotZ, slotFraction, invFollowed, ruleU, ruleW, ruleFailed } = this;
    const { product, below, coefficient, follows, goRight } = this;
    const s0 = this.treeSlot[t]!;
    const count = this.treeSlot[t + 1]! - s0;
    const n = this.treeOrder[t]!;
    const r0 = (n * (n - 1)) >> 1;
    const v0 = this.treeValueStart[t]!;
    for (let q = 0; q < n; q++) {
      product[q] = 1;
      coefficient[q] = 0;
    }
    follows[0] = 1;
    const rootNode = slotNode[s0]!;
    goRight[0] = routeRight(rootNode, x[feature[rootNode]!]!);
    for (let s = 1; s < count; s++) {
      const g = s0 + s;
      const parent = slotParent[g]!;
      const followed = 1 - (slotIsRight[g]! ^ goRight[parent]!);
      const prev = slotPrevSame[g]!;
      const was = follows[prev]!;
      const is = was & followed;
      follows[s] = is;
      const a = parent * n;
      const b = s * n;
      const z = slotZ[g]!;
      if (was === 0) {
        const fraction = slotFraction[g]!;
        for (let q = 0; q < n; q++) product[b + q] = product[a + q]! * fraction;
      } else {
        const p = v0 + prev * n;
        const oz = followed - z;
        for (let q = 0; q < n; q++) product[b + q] = product[a + q]! * ((z + oz * ruleU[r0 + q]!) * invFollowed[p + q]!);
      }
      if (is) {
        const k = v0 + b;
        for (let q = 0; q < n; q++) coefficient[b + q] = (1 - z) * ruleW[r0 + q]! * invFollowed[k + q]!;
      } else for (let q = 0; q < n; q++) coefficient[b + q] = ruleFailed[r0 + q]!;
      const node = slotNode[g]!;
      if (node >= 0) goRight[s] = routeRight(node, x[feature[node]!]!);
      else {
        const v = leafValue[~node]!;
        for (let q = 0; q < n; q++) below[b + q] = v * product[b + q]!;
      }
    }
    for (let s = count - 1; s >= 0; s--) {
      const g = s0 + s;
      const node = slotNode[g]!;
      if (node < 0) continue;
      const l = (s + 1) * n;
      const r = slotRightChild[g]! * n;
      const p = slotPrevSame[g + 1]! * n;
      const b = s * n;
      let sum = 0;
      for (let q = 0; q < n; q++) {
        const sl = below[l + q]!;
        const sr = below[r + q]!;
        below[b + q] = sl + sr;
        sum += coefficient[l + q]! * sl + coefficient[r + q]! * sr - coefficient[p + q]! * (sl + sr);
      }
      out[feature[node]!] += sum;
    }
  }
}

/** What the JavaScript 4-node kernel reads: the prepared arrays, the forest's routing, and scratch. */
interface FourRuleInputs extends PreparedTreeShap {
  routeRight: (node: number, v: number) => number;
  feature: Int32Array;
  val: Float64Array;
  follows: Uint8Array;
  goRight: Uint8Array;
}

/**
 * One tree with the 4-node rule, the lanes written out. The loops visit internal nodes only and set
 * both children at once: whether a slot is a leaf would be an unpredictable branch, so a leaf differs
 * only by its scale (its value). In `val`, the pass down leaves F (internal slots) or v·F (leaves); the
 * pass up replaces F by S. A closure over the arrays rather than a method: V8 then knows them as
 * constants and skips reloading and rechecking each one on every access (~2× faster here), as long as the
 * closure is the only one made from its code (specialize.ts). Everything it uses comes in `k`.
 */
function fourRuleKernel(k: FourRuleInputs): (t: number, x: ArrayLike<number>, out: Float64Array) => void {
  const { routeRight, feature, treeSlot, treeInternal, internalSlots, slotPrevSame, slotNode, slotRightChild, slotZ, slotFraction, slotScale, val, follows, goRight } = k;
  const [u0, u1, u2, u3] = k.rule.nodes;
  const [w0, w1, w2, w3] = k.rule.weights;
  const [f0, f1, f2, f3] = k.rule.failed;
  return (t, x, out) => {
    const s0 = treeSlot[t]!;
    const i0 = treeInternal[t]!;
    const i1 = treeInternal[t + 1]!;
    val[0] = val[1] = val[2] = val[3] = 1;
    follows[0] = 1;
    // down. Whether x takes a branch is a coin flip to the branch predictor, so both cases are computed
    // and one is multiplied by 0 (exactly: every term is finite).
    for (let i = i0; i < i1; i++) {
      const g = internalSlots[i]!;
      const s = g - s0;
      const node = slotNode[g]!;
      const gr = routeRight(node, x[feature[node]!]!);
      goRight[s] = gr;
      const prev = slotPrevSame[g + 1]!;
      const was = follows[prev]!;
      const l = s + 1;
      const r = slotRightChild[g]!;
      follows[l] = was & (1 - gr);
      follows[r] = was & gr;
      // 1 / the factor each child replaces (1 at the root, whose z is 1), or 0 when x already left the
      // feature's path. Dividing here is faster than loading a table of inverses: the kernel is bound by
      // memory, not arithmetic, once a model's prepared arrays outgrow the cache.
      const zp = slotZ[s0 + prev]!;
      const yp = 1 - zp;
      const ip0 = was / (zp + yp * u0), ip1 = was / (zp + yp * u1), ip2 = was / (zp + yp * u2), ip3 = was / (zp + yp * u3);
      // each child's ratio of F to its parent's: (z + (followed − z) u) / f_prev, or its cover fraction
      const gl = g + 1;
      const gR = s0 + r;
      const zl = slotZ[gl]!;
      const zr = slotZ[gR]!;
      const scaleL = slotScale[gl]!;
      const scaleR = slotScale[gR]!;
      const al = scaleL * zl, bl = scaleL * (1 - gr - zl), cl = (1 - was) * scaleL * slotFraction[gl]!;
      const ar = scaleR * zr, br = scaleR * (gr - zr), cr = (1 - was) * scaleR * slotFraction[gR]!;
      const a = 4 * s;
      const bL = 4 * l;
      const bR = 4 * r;
      const p0 = val[a]!, p1 = val[a + 1]!, p2 = val[a + 2]!, p3 = val[a + 3]!;
      val[bL] = p0 * ((al + bl * u0) * ip0 + cl);
      val[bL + 1] = p1 * ((al + bl * u1) * ip1 + cl);
      val[bL + 2] = p2 * ((al + bl * u2) * ip2 + cl);
      val[bL + 3] = p3 * ((al + bl * u3) * ip3 + cl);
      val[bR] = p0 * ((ar + br * u0) * ip0 + cr);
      val[bR + 1] = p1 * ((ar + br * u1) * ip1 + cr);
      val[bR + 2] = p2 * ((ar + br * u2) * ip2 + cr);
      val[bR + 3] = p3 * ((ar + br * u3) * ip3 + cr);
    }
    // up: S, and each node's term. The child x did not take has o = 0, so its K is the constant f.
    for (let i = i1 - 1; i >= i0; i--) {
      const g = internalSlots[i]!;
      const s = g - s0;
      const rs = slotRightChild[g]!;
      const gr = goRight[s]!;
      const taken = gr ? rs : s + 1;
      const other = gr ? s + 1 : rs;
      const prev = slotPrevSame[g + 1]!;
      const ta = 4 * taken;
      const ot = 4 * other;
      const b = 4 * s;
      const a0 = val[ta]!, a1 = val[ta + 1]!, a2 = val[ta + 2]!, a3 = val[ta + 3]!;
      const n0 = val[ot]!, n1 = val[ot + 1]!, n2 = val[ot + 2]!, n3 = val[ot + 3]!;
      const b0 = a0 + n0, b1 = a1 + n1, b2 = a2 + n2, b3 = a3 + n3;
      val[b] = b0;
      val[b + 1] = b1;
      val[b + 2] = b2;
      val[b + 3] = b3;
      let sum = f0 * n0 + f1 * n1 + f2 * n2 + f3 * n3;
      if (follows[taken]) {
        const z = slotZ[s0 + taken]!;
        const c = 1 - z;
        sum += c * ((w0 * a0) / (z + c * u0) + (w1 * a1) / (z + c * u1) + (w2 * a2) / (z + c * u2) + (w3 * a3) / (z + c * u3));
      } else sum += f0 * a0 + f1 * a1 + f2 * a2 + f3 * a3;
      // the previous edge on this node's feature no longer owns the leaves below: take its term back
      if (prev !== 0) {
        if (follows[prev]) {
          const z = slotZ[s0 + prev]!;
          const c = 1 - z;
          sum -= c * ((w0 * b0) / (z + c * u0) + (w1 * b1) / (z + c * u1) + (w2 * b2) / (z + c * u2) + (w3 * b3) / (z + c * u3));
        } else sum -= f0 * b0 + f1 * b1 + f2 * b2 + f3 * b3;
      }
      out[feature[slotNode[g]!]!] += sum;
    }
  };
}
