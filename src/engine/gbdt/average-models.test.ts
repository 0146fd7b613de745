import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { averageModels } from './average-models.js';
import { GbdtModel } from './model.js';
import { trainGbdt } from './train-gbdt.js';
import { generate, numeric, row } from './synthetic.test-helper.js';

const features = numeric('a', 'b', 'c');
const fn = (x: Float64Array) => Math.sin(3 * x[0]!) + x[1]! * x[2]!;

describe('averageModels', () => {
  const train = generate(1500, features, fn, { seed: 3, noise: 0.1 });
  const settings = { numRounds: 60, learningRate: 0.1, earlyStoppingRounds: 0 };
  const first = trainGbdt(train, { ...settings, seed: 1 });
  const second = trainGbdt(train, { ...settings, seed: 2, numRounds: 45 });
  const average = averageModels([first, second]);
  const test = generate(200, features, fn, { seed: 4 });

  it('predicts the mean of its members, with every member\u2019s trees', () => {
    assert.equal(average.numTrees, 105);
    for (let i = 0; i < test.rows; i++) {
      const x = row(test, i);
      assert.ok(Math.abs(average.predictRow(x) - (first.predictRow(x) + second.predictRow(x)) / 2) < 1e-12);
    }
    assert.notEqual(first.predictRow(row(test, 0)), second.predictRow(row(test, 0)), 'the members differ');
  });

  it('explains exactly: contributions and the base value add up to the averaged prediction', () => {
    for (let i = 0; i < test.rows; i++) {
      const x = row(test, i);
      const phi = average.shap(x);
      const total = phi.reduce((s, v) => s + v, average.expectedValue);
      assert.ok(Math.abs(total - average.predictRow(x)) < 1e-9, `row ${i}: ${total} vs ${average.predictRow(x)}`);
    }
  });

  it('survives a save and load, and returns a lone model unchanged', () => {
    const loaded = GbdtModel.deserialize(average.serialize());
    assert.equal(loaded.predictRow(row(test, 5)), average.predictRow(row(test, 5)));
    assert.equal(averageModels([first]), first);
  });

  it('refuses nothing to average and models over different features', () => {
    assert.throws(() => averageModels([]), /no models/);
    const other = trainGbdt(generate(300, numeric('x', 'y', 'z'), fn, { seed: 5 }), settings);
    assert.throws(() => averageModels([first, other]), /different features/);
  });
});
