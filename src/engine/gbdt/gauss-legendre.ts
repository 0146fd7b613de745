// Gauss–Legendre quadrature on [0, 1]: n nodes integrate every polynomial of degree up to 2n − 1 exactly,
// which is what lets TreeSHAP replace its sums over feature subsets by a handful of evaluations.

export interface Quadrature {
  nodes: Float64Array;
  weights: Float64Array;
}

const cache: Quadrature[] = [];

/** The n-point rule on [0, 1] (nodes ascending, weights summing to 1). */
export function gaussLegendre(n: number): Quadrature {
  if (!Number.isInteger(n) || n < 1) throw new Error(`gaussLegendre: n must be a positive integer, got ${n}`);
  const cached = cache[n];
  if (cached) return cached;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  // Newton's method on P_n from the classical starting guesses; the rule is symmetric, so half suffices
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let iter = 0; iter < 100; iter++) {
      const [value, slope] = legendre(n, x);
      const step = value / slope;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    // the derivative at the converged root gives the weight
    const derivative = legendre(n, x)[1];
    const w = 1 / ((1 - x * x) * derivative * derivative); // the [−1, 1] weight halved for [0, 1]
    // x is the i-th largest root on [−1, 1]
    nodes[n - 1 - i] = (1 + x) / 2;
    nodes[i] = (1 - x) / 2;
    weights[n - 1 - i] = w;
    weights[i] = w;
  }
  const rule = { nodes, weights };
  cache[n] = rule;
  return rule;
}

/** P_n(x) and P_n'(x), by the three-term recurrence. */
function legendre(n: number, x: number): [number, number] {
  let p0 = 1;
  let p1 = x;
  for (let k = 2; k <= n; k++) {
    const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  return [p1, (n * (x * p1 - p0)) / (x * x - 1)];
}
