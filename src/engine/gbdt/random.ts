// A small seeded generator (mulberry32, seeded through splitmix32) so that every draw in training is
// reproducible from GbdtParams.seed on any machine and in any thread.

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // splitmix32 spreads nearby seeds (1, 2, 3…) into unrelated states.
    let z = (seed + 0x9e3779b9) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.state = (z ^ (z >>> 16)) >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * Exactly `k` of 0..n-1 into `chosen`, ascending (so that the histogram loops walk memory forwards), the
   * others into `rest`, ascending; returns how many went to `rest`. Only min(k, n-k) draws are made: a
   * partial Fisher–Yates shuffle of `order` (any permutation of 0..n-1, kept between calls) picks the
   * smaller side, and a pass over `mark` lists both sides in order.
   */
  sample(n: number, k: number, chosen: Int32Array, rest: Int32Array, order: Int32Array, mark: Uint8Array): number {
    const pickChosen = k <= n - k;
    const draws = pickChosen ? k : n - k;
    mark.fill(pickChosen ? 0 : 1, 0, n);
    for (let i = 0; i < draws; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      const picked = order[j]!;
      order[j] = order[i]!;
      order[i] = picked;
      mark[picked] = pickChosen ? 1 : 0;
    }
    let c = 0;
    let r = 0;
    for (let i = 0; i < n; i++) {
      if (mark[i]) chosen[c++] = i;
      else rest[r++] = i;
    }
    return r;
  }
}
