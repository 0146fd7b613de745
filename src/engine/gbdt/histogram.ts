// Gradient histograms: for each feature and bin, the sums of gradient, hessian and row count over the
// rows of one leaf, stored as [g, h, count] triples at the feature's bin offset. Building one is the hot
// loop of training; a sibling's histogram is then the parent's minus this one (the subtraction trick).

export type BinMatrix = Uint8Array | Uint16Array;

/**
 * Rows that fall in the same bin one after another (a common bedroom count, a zero depth) make each
 * addition wait for the previous one to the same slot. When a leaf has many rows per bin, four
 * interleaved partial histograms (row i goes to copy i % 4) break that chain; they are folded at the end.
 */
const SPREAD_ROWS_PER_BIN = 4;

export class HistogramBuilder {
  private spread = new Float64Array(0);

  constructor(
    private readonly bins: BinMatrix,
    private readonly n: number,
    private readonly binOffset: Int32Array,
    private readonly numBins: Int32Array,
  ) {}

  build(
    hist: Float64Array,
    features: Int32Array,
    featureCount: number,
    rows: Int32Array,
    begin: number,
    count: number,
    orderedGrad: Float64Array,
    orderedHess: Float64Array | null,
  ): void {
    const { bins, n, binOffset, numBins } = this;
    for (let j = 0; j < featureCount; j++) {
      const f = features[j]!;
      const base = binOffset[f]! * 3;
      const nb = numBins[f]!;
      const off = f * n;
      if (count >= SPREAD_ROWS_PER_BIN * nb) {
        this.buildSpread(hist, base, nb, off, rows, begin, count, orderedGrad, orderedHess);
        continue;
      }
      const end = base + nb * 3;
      hist.fill(0, base, end);
      if (orderedHess === null) {
        for (let i = 0; i < count; i++) {
          const k = base + bins[off + rows[begin + i]!]! * 3;
          hist[k] += orderedGrad[i]!;
          hist[k + 2]++;
        }
        for (let k = base; k < end; k += 3) hist[k + 1] = hist[k + 2]!;
      } else {
        for (let i = 0; i < count; i++) {
          const k = base + bins[off + rows[begin + i]!]! * 3;
          hist[k] += orderedGrad[i]!;
          hist[k + 1] += orderedHess[i]!;
          hist[k + 2]++;
        }
      }
    }
  }

  private buildSpread(
    hist: Float64Array,
    base: number,
    nb: number,
    off: number,
    rows: Int32Array,
    begin: number,
    count: number,
    og: Float64Array,
    oh: Float64Array | null,
  ): void {
    const bins = this.bins;
    const stride = nb * 3;
    if (this.spread.length < stride * 4) this.spread = new Float64Array(stride * 4);
    const s = this.spread;
    s.fill(0, 0, stride * 4);
    const s1 = stride;
    const s2 = stride * 2;
    const s3 = stride * 3;
    const last = count - (count & 3);
    let i = 0;
    if (oh === null) {
      for (; i < last; i += 4) {
        const r = begin + i;
        const k0 = bins[off + rows[r]!]! * 3;
        const k1 = s1 + bins[off + rows[r + 1]!]! * 3;
        const k2 = s2 + bins[off + rows[r + 2]!]! * 3;
        const k3 = s3 + bins[off + rows[r + 3]!]! * 3;
        s[k0] += og[i]!;
        s[k0 + 2]++;
        s[k1] += og[i + 1]!;
        s[k1 + 2]++;
        s[k2] += og[i + 2]!;
        s[k2 + 2]++;
        s[k3] += og[i + 3]!;
        s[k3 + 2]++;
      }
      for (; i < count; i++) {
        const k = bins[off + rows[begin + i]!]! * 3;
        s[k] += og[i]!;
        s[k + 2]++;
      }
      for (let b = 0; b < stride; b += 3) {
        const c = s[b + 2]! + s[s1 + b + 2]! + s[s2 + b + 2]! + s[s3 + b + 2]!;
        hist[base + b] = s[b]! + s[s1 + b]! + s[s2 + b]! + s[s3 + b]!;
        hist[base + b + 1] = c;
        hist[base + b + 2] = c;
      }
    } else {
      for (; i < last; i += 4) {
        const r = begin + i;
        const k0 = bins[off + rows[r]!]! * 3;
        const k1 = s1 + bins[off + rows[r + 1]!]! * 3;
        const k2 = s2 + bins[off + rows[r + 2]!]! * 3;
        const k3 = s3 + bins[off + rows[r + 3]!]! * 3;
        s[k0] += og[i]!;
        s[k0 + 1] += oh[i]!;
        s[k0 + 2]++;
        s[k1] += og[i + 1]!;
        s[k1 + 1] += oh[i + 1]!;
        s[k1 + 2]++;
        s[k2] += og[i + 2]!;
        s[k2 + 1] += oh[i + 2]!;
        s[k2 + 2]++;
        s[k3] += og[i + 3]!;
        s[k3 + 1] += oh[i + 3]!;
        s[k3 + 2]++;
      }
      for (; i < count; i++) {
        const k = bins[off + rows[begin + i]!]! * 3;
        s[k] += og[i]!;
        s[k + 1] += oh[i]!;
        s[k + 2]++;
      }
      for (let b = 0; b < stride; b++) hist[base + b] = s[b]! + s[s1 + b]! + s[s2 + b]! + s[s3 + b]!;
    }
  }
}

/** parent -= child over the given features: the parent's buffer becomes the sibling's histogram. */
export function subtractHistogram(
  parent: Float64Array,
  child: Float64Array,
  binOffset: Int32Array,
  numBins: Int32Array,
  features: Int32Array,
  featureCount: number,
): void {
  for (let j = 0; j < featureCount; j++) {
    const f = features[j]!;
    const base = binOffset[f]! * 3;
    const end = base + numBins[f]! * 3;
    for (let k = base; k < end; k++) parent[k] -= child[k]!;
  }
}
