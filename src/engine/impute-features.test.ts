import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { imputeFromNeighbours } from './impute-features.js';
import { modelInputs } from './model-inputs.js';
import { syntheticConfig, syntheticFrame } from '../../test/support/synthetic-market.js';

describe('imputeFromNeighbours', () => {
  const config = syntheticConfig();
  const frame = syntheticFrame(50);
  const inputs = modelInputs(config);
  const at = (name: string) => inputs.specs.findIndex((s) => s.name === name);

  it('fills numeric features with the neighbours\u2019 median and categoricals with their most common level', () => {
    const rows = [0, 1, 2, 3, 4];
    const x = new Float64Array(inputs.specs.length).fill(NaN);
    const filled = imputeFromNeighbours(x, ['year_built', 'property_type'], inputs, config, frame, rows);
    assert.deepEqual(filled, ['year_built', 'property_type']);
    const years = rows.map((i) => frame.attributes['year_built']![i]!).sort((a, b) => a - b);
    assert.equal(x[at('year_built')], years[2]);
    const types = rows.map((i) => frame.attributes['property_type']![i]!);
    const houses = types.filter((t) => t === 1).length;
    assert.equal(x[at('property_type')], houses >= 3 ? 1 : 0);
    assert.ok(Number.isNaN(x[at('bedrooms')]!), 'features not named stay missing');
  });

  it('leaves a feature missing when no neighbour knows it', () => {
    const x = new Float64Array(inputs.specs.length).fill(NaN);
    assert.deepEqual(imputeFromNeighbours(x, ['year_built'], inputs, config, frame, []), []);
    assert.ok(Number.isNaN(x[at('year_built')]!));
  });
});
