// Generated data for the GBDT tests (named so the test runner does not run it as a test file).
import type { FeatureSpec } from '../types.js';
import { SeededRandom } from './random.js';
import type { TrainingData } from './training-data.js';

export interface Generated extends TrainingData {
  rows: number;
}

/**
 * `rows` rows of the given features (numeric uniform in [0, 1), categorical uniform over its levels),
 * a share `missing` of each listed feature's values set to NaN, and the label from `fn` plus N(0, noise).
 */
export function generate(
  rows: number,
  features: FeatureSpec[],
  fn: (x: Float64Array) => number,
  options: { seed?: number; noise?: number; missing?: Record<string, number> } = {},
): Generated {
  const rng = new SeededRandom(options.seed ?? 7);
  const columns = features.map(() => new Float64Array(rows));
  const label = new Float64Array(rows);
  const x = new Float64Array(features.length);
  for (let i = 0; i < rows; i++) {
    features.forEach((spec, f) => {
      let v = spec.kind === 'categorical' ? Math.floor(rng.next() * spec.levels!.length) : rng.next();
      if (rng.next() < (options.missing?.[spec.name] ?? 0)) v = NaN;
      x[f] = v;
      columns[f]![i] = v;
    });
    label[i] = fn(x) + (options.noise ?? 0) * gaussian(rng);
  }
  return { features, columns, label, rows };
}

function gaussian(rng: SeededRandom): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

export function numeric(...names: string[]): FeatureSpec[] {
  return names.map((name) => ({ name, kind: 'numeric' }));
}

export function row(data: TrainingData, i: number): Float64Array {
  return Float64Array.from(data.columns, (c) => c[i]!);
}

export function mse(pred: Float64Array, label: Float64Array): number {
  let s = 0;
  for (let i = 0; i < label.length; i++) s += (pred[i]! - label[i]!) ** 2;
  return s / label.length;
}

export function variance(label: Float64Array): number {
  let mean = 0;
  for (const v of label) mean += v / label.length;
  let s = 0;
  for (const v of label) s += (v - mean) ** 2;
  return s / label.length;
}
