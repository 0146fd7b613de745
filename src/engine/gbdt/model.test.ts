import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureSpec } from '../types.js';
import { GbdtModel } from './model.js';
import { trainGbdt } from './train-gbdt.js';
import { generate, numeric, row } from './synthetic.test-helper.js';

const features: FeatureSpec[] = [...numeric('a', 'b'), { name: 'kind', kind: 'categorical', levels: ['x', 'y', 'z'], label: 'Kind' }];
const fn = (x: Float64Array) => (Number.isNaN(x[0]!) ? 2 : x[0]! * 3) + x[1]! + (x[2] === 1 ? 1 : 0);

describe('GbdtModel', () => {
  const train = generate(1500, features, fn, { seed: 11, noise: 0.1, missing: { a: 0.15, kind: 0.1 } });
  const model = trainGbdt(train, { numRounds: 80, earlyStoppingRounds: 0 });

  it('round-trips through serialize and deserialize with bit-identical predictions', () => {
    const text = model.serialize();
    const copy = GbdtModel.deserialize(text);
    assert.equal(copy.serialize(), text);
    assert.equal(copy.numTrees, model.numTrees);
    assert.equal(copy.baseScore, model.baseScore);
    assert.equal(copy.expectedValue, model.expectedValue);
    assert.deepEqual(copy.params, model.params);
    assert.deepEqual(copy.features, features);
    const probes = [...Array.from({ length: 300 }, (_, i) => row(train, i)), Float64Array.of(NaN, NaN, NaN), Float64Array.of(0.5, 0.5, 7), Float64Array.of(-1e300, 1e300, 2)];
    for (const x of probes) {
      assert.ok(Object.is(copy.predictRow(x), model.predictRow(x)));
      assert.deepEqual(copy.shap(x), model.shap(x));
    }
    assert.deepEqual(copy.predictColumns(train.columns), model.predictColumns(train.columns));
    assert.deepEqual(copy.featureImportance(), model.featureImportance());
  });

  it('keeps thresholds that send every present value left', () => {
    // only missing vs present separates the labels: the split threshold is +Infinity
    const data = generate(400, numeric('x'), (x) => (Number.isNaN(x[0]!) ? 5 : 0), { seed: 12, missing: { x: 0.3 } });
    const m = trainGbdt(data, { numRounds: 3, learningRate: 0.5, earlyStoppingRounds: 0, baggingFraction: 1, featureFraction: 1 });
    assert.ok(m.serialize().includes('"threshold":[null]'));
    const copy = GbdtModel.deserialize(m.serialize());
    assert.equal(copy.predictRow([1e308]), m.predictRow([1e308]));
    assert.ok(copy.predictRow([NaN]) > copy.predictRow([0.5]) + 1);
  });

  it('predicts columns the same as row by row', () => {
    const out = model.predictColumns(train.columns, 50);
    assert.equal(out.length, 50);
    for (let i = 0; i < 50; i++) assert.equal(out[i], model.predictRow(row(train, i)));
    assert.throws(() => model.predictColumns(train.columns.slice(1)), /3 features but 2 columns/);
  });

  it('refuses text that is not a model, naming what is wrong', () => {
    assert.throws(() => GbdtModel.deserialize('{'), /not a GBDT model/);
    assert.throws(() => GbdtModel.deserialize('{"format":"other"}'), /format is "other"/);
    const doc = JSON.parse(model.serialize());
    assert.throws(() => GbdtModel.deserialize(JSON.stringify({ ...doc, version: 99 })), /version 99 is not supported/);
    const badTree = { ...doc.trees[0], splitFeature: [...doc.trees[0].splitFeature] };
    badTree.splitFeature[0] = 17;
    assert.throws(() => GbdtModel.deserialize(JSON.stringify({ ...doc, trees: [badTree] })), /tree 0: node 0 splits on feature 17/);
    const shortLeaves = { ...doc.trees[0], leafValue: doc.trees[0].leafValue.slice(1) };
    assert.throws(() => GbdtModel.deserialize(JSON.stringify({ ...doc, trees: [shortLeaves] })), /tree 0: leafValue must be an array/);
    assert.throws(() => GbdtModel.deserialize(JSON.stringify({ ...doc, params: { ...doc.params, numLeaves: 0 } })), /numLeaves/);
  });

  it('rejects a row with fewer values than features', () => {
    assert.throws(() => model.predictRow([0.5, 0.5]), /3 features but the row has 2 values/);
    assert.throws(() => model.shap([0.5]), /3 features but the row has 1 values/);
  });

  it('rejects a SHAP output array that is too short', () => {
    assert.throws(() => model.shap(row(train, 0), new Float64Array(2)), /holds 2 values; the model has 3 features/);
  });
});
