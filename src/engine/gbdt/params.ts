// Training parameters, named after their LightGBM counterparts where one exists.

export interface GbdtParams {
  /** Maximum boosting rounds. */
  numRounds: number;
  /** Shrinkage applied to every leaf value. */
  learningRate: number;
  /** Leaf-wise growth: maximum leaves per tree. */
  numLeaves: number;
  /** Depth limit (root = depth 0); -1 = none. */
  maxDepth: number;
  minDataInLeaf: number;
  minSumHessianInLeaf: number;
  /** L2 penalty on leaf values, in the split gain and the leaf value. */
  lambdaL2: number;
  minGainToSplit: number;
  /** Share of the features each tree may split on. */
  featureFraction: number;
  /** Share of the rows each tree is grown on (drawn without replacement). */
  baggingFraction: number;
  /** Histogram bins for a numeric feature (its missing bin comes on top). */
  maxBins: number;
  /** Stop when the validation loss has not improved for this many rounds; 0 = off. */
  earlyStoppingRounds: number;
  /** Every random draw (bagging, feature sampling) derives from it. */
  seed: number;
  /** Categorical splits: smoothing added to the hessian when ordering categories (LightGBM cat_smooth). */
  catSmooth: number;
  /** Categorical splits: most categories on the left side of one split. */
  maxCatThreshold: number;
  /** Categorical splits: fewest rows for a category to be placed on its own. */
  minDataPerGroup: number;
  /**
   * Huber loss with this threshold on the residual; 0 = squared error. Beyond the threshold a row pulls
   * with a constant force, so a few wild labels (a sale far from its value) cannot drag the fit.
   */
  huberDelta: number;
}

export const defaultGbdtParams: GbdtParams = Object.freeze({
  numRounds: 2000,
  learningRate: 0.05,
  numLeaves: 31,
  maxDepth: 8,
  minDataInLeaf: 20,
  minSumHessianInLeaf: 1e-3,
  lambdaL2: 1,
  minGainToSplit: 0,
  featureFraction: 0.8,
  baggingFraction: 0.8,
  maxBins: 255,
  earlyStoppingRounds: 100,
  seed: 1,
  catSmooth: 10,
  maxCatThreshold: 32,
  minDataPerGroup: 10,
  huberDelta: 0,
});

const paramNames = Object.keys(defaultGbdtParams) as (keyof GbdtParams)[];

type Rule = { integer?: boolean; min: number; max?: number; minExclusive?: boolean; also?: number };

const rules: Record<keyof GbdtParams, Rule> = {
  numRounds: { integer: true, min: 1 },
  learningRate: { min: 0, minExclusive: true },
  // every leaf may hold a histogram (features × bins × 24 bytes), so the leaf count is bounded
  numLeaves: { integer: true, min: 2, max: 1024 },
  maxDepth: { integer: true, min: 1, also: -1 },
  minDataInLeaf: { integer: true, min: 1 },
  minSumHessianInLeaf: { min: 0, minExclusive: true },
  lambdaL2: { min: 0 },
  minGainToSplit: { min: 0 },
  featureFraction: { min: 0, minExclusive: true, max: 1 },
  baggingFraction: { min: 0, minExclusive: true, max: 1 },
  maxBins: { integer: true, min: 2, max: 65535 },
  earlyStoppingRounds: { integer: true, min: 0 },
  seed: { integer: true, min: 0, max: 2 ** 32 - 1 },
  catSmooth: { min: 0 },
  maxCatThreshold: { integer: true, min: 1 },
  minDataPerGroup: { integer: true, min: 1 },
  huberDelta: { min: 0 },
};

/**
 * The defaults overlaid with `overrides`, every value checked. Unknown names are refused so that a typo
 * does not silently train with a default. The result's keys are always in the same order (serialization
 * depends on it).
 */
export function resolveGbdtParams(overrides: Partial<GbdtParams> = {}): GbdtParams {
  if (overrides === null || typeof overrides !== 'object') throw new Error('GBDT params must be an object');
  for (const key of Object.keys(overrides)) {
    if (!(key in defaultGbdtParams)) throw new Error(`unknown GBDT parameter '${key}'; known: ${paramNames.join(', ')}`);
  }
  const out = {} as GbdtParams;
  for (const name of paramNames) {
    const given = overrides[name];
    const value = given === undefined ? defaultGbdtParams[name] : given;
    const rule = rules[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`GBDT parameter ${name} must be a finite number (got ${String(value)})`);
    if (value !== rule.also) {
      if (rule.integer && !Number.isInteger(value)) throw new Error(`GBDT parameter ${name} must be an integer (got ${value})`);
      const low = rule.minExclusive ? value <= rule.min : value < rule.min;
      if (low || (rule.max !== undefined && value > rule.max)) {
        const range = `${rule.minExclusive ? '>' : '>='} ${rule.min}${rule.max !== undefined ? ` and <= ${rule.max}` : ''}`;
        throw new Error(`GBDT parameter ${name} must be ${range}${rule.also !== undefined ? ` (or ${rule.also})` : ''} (got ${value})`);
      }
    }
    out[name] = value;
  }
  return out;
}
