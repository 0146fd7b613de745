// The training data contract and its checks. Bad input is refused with a message naming what to fix,
// before any work is done, so that nothing invalid reaches the learner.
import type { FeatureSpec } from '../types.js';

export interface TrainingData {
  features: FeatureSpec[];
  /** columns[f][row]: numeric values as they are, categoricals as level index; NaN = missing. */
  columns: Float64Array[];
  /** Regression target (log price); the loss is squared error. */
  label: Float64Array;
  /** Optional non-negative row weights. */
  weight?: Float64Array;
}

/** Checks the feature list itself (names, kinds, levels). */
export function checkFeatureSpecs(features: FeatureSpec[], what = 'training data'): void {
  if (!Array.isArray(features)) throw new Error(`${what}: features must be an array of FeatureSpec`);
  if (features.length === 0) throw new Error(`${what}: no features given`);
  const seen = new Set<string>();
  features.forEach((spec, f) => {
    if (!spec || typeof spec.name !== 'string' || spec.name === '') throw new Error(`${what}: feature ${f} has no name`);
    if (seen.has(spec.name)) throw new Error(`${what}: feature name '${spec.name}' appears twice`);
    seen.add(spec.name);
    if (spec.kind === 'categorical') {
      if (!Array.isArray(spec.levels) || spec.levels.length === 0) throw new Error(`${what}: categorical feature '${spec.name}' has no levels`);
      if (spec.levels.length > 65535) throw new Error(`${what}: categorical feature '${spec.name}' has ${spec.levels.length} levels; at most 65535 are supported`);
    } else if (spec.kind !== 'numeric') {
      throw new Error(`${what}: feature '${spec.name}' has kind '${String(spec.kind)}'; expected 'numeric' or 'categorical'`);
    }
  });
}

/** Returns the row count after checking every column against the feature specs. */
export function checkTrainingData(data: TrainingData, what = 'training data', expectFeatures?: FeatureSpec[]): number {
  if (!data || typeof data !== 'object') throw new Error(`${what} must be an object with features, columns and label`);
  checkFeatureSpecs(data.features, what);
  if (expectFeatures) {
    const same = expectFeatures.length === data.features.length
      && expectFeatures.every((spec, f) => spec.name === data.features[f]!.name && spec.kind === data.features[f]!.kind
        && (spec.levels?.length ?? 0) === (data.features[f]!.levels?.length ?? 0));
    if (!same) throw new Error(`${what}: features differ from the training data's (same names, kinds and levels, in the same order, are required)`);
  }
  const { columns, label, weight } = data;
  if (!(label instanceof Float64Array)) throw new Error(`${what}: label must be a Float64Array`);
  const n = label.length;
  if (n === 0) throw new Error(`${what} is empty: label has no rows`);
  if (!Array.isArray(columns) || columns.length !== data.features.length) {
    throw new Error(`${what}: ${data.features.length} features but ${Array.isArray(columns) ? columns.length : 'no'} columns`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(label[i])) throw new Error(`${what}: label row ${i} is ${label[i]}; every label must be a finite number`);
  }
  if (weight !== undefined) {
    if (!(weight instanceof Float64Array)) throw new Error(`${what}: weight must be a Float64Array`);
    if (weight.length !== n) throw new Error(`${what}: weight has ${weight.length} rows but label has ${n}`);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weight[i]!;
      if (!(w >= 0) || w === Infinity) throw new Error(`${what}: weight row ${i} is ${w}; weights must be finite and >= 0`);
      total += w;
    }
    if (!(total > 0)) throw new Error(`${what}: weights sum to 0`);
  }
  data.features.forEach((spec, f) => {
    const column = columns[f];
    if (!(column instanceof Float64Array)) throw new Error(`${what}: column ${f} ('${spec.name}') must be a Float64Array`);
    if (column.length !== n) throw new Error(`${what}: column '${spec.name}' has ${column.length} rows but label has ${n}`);
    if (spec.kind === 'categorical') {
      const levels = spec.levels!.length;
      for (let i = 0; i < n; i++) {
        const v = column[i]!;
        if (v !== v) continue;
        if (!Number.isInteger(v) || v < 0 || v >= levels) {
          throw new Error(`${what}: categorical feature '${spec.name}' row ${i} is ${v}; expected a level index 0..${levels - 1} or NaN`);
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = column[i]!;
        if (v === Infinity || v === -Infinity) throw new Error(`${what}: numeric feature '${spec.name}' row ${i} is ${v}; use NaN for missing`);
      }
    }
  });
  return n;
}
