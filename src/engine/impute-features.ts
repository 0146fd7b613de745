// A subject's unknown features are filled from its neighbourhood: the median (numeric) or most common
// value (categorical) among the nearest earlier sales. Trees send a missing value down the branch most
// training sales with that value missing took, which for a feature nearly always known is an arbitrary
// branch; the neighbours' typical value is a far better guess. The caller still reports the feature as
// missing (missing_data) and the confidence model sees the lower completeness.
import type { ModelInputs } from './model-inputs.js';
import type { MarketConfig, SalesFrame } from './types.js';

/** How many of the nearest sales vote. */
export const IMPUTATION_NEIGHBOURS = 10;

/** Fills x[f] for each named missing feature in place; returns the names it could fill. */
export function imputeFromNeighbours(x: Float64Array, missing: string[], inputs: ModelInputs, config: MarketConfig, frame: SalesFrame, rows: number[]): string[] {
  const filled: string[] = [];
  const voters = rows.length > IMPUTATION_NEIGHBOURS ? rows.slice(0, IMPUTATION_NEIGHBOURS) : rows;
  if (voters.length === 0) return filled;
  for (const name of missing) {
    const f = inputs.specs.findIndex((s) => s.name === name);
    const column = frame.attributes[name];
    if (f < 0 || f >= inputs.marketFeatureCount || !column) continue;
    const values: number[] = [];
    for (const i of voters) if (!Number.isNaN(column[i]!)) values.push(column[i]!);
    if (values.length === 0) continue;
    const spec = inputs.specs[f]!;
    if (spec.kind === 'numeric') {
      values.sort((a, b) => a - b);
      x[f] = values[values.length >> 1]!;
    } else {
      // Frame codes follow today's config levels; the model may know the levels in another order.
      const counts = new Map<number, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const [code] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
      const level = config.features.find((c) => c.name === name)?.levels?.[code];
      const modelCode = level === undefined ? -1 : (spec.levels?.indexOf(level) ?? -1);
      if (modelCode < 0) continue;
      x[f] = modelCode;
    }
    filled.push(name);
  }
  return filled;
}
