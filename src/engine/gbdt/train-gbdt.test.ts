import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureSpec } from '../types.js';
import { GbdtModel } from './model.js';
import { trainGbdt } from './train-gbdt.js';
import { generate, mse, numeric, row, variance } from './synthetic.test-helper.js';

const smooth = (x: Float64Array) => Math.sin(3 * x[0]!) + x[1]! * x[1]! + 0.5 * x[2]! * x[3]!;

describe('trainGbdt', () => {
  it('learns a nonlinear function far better than a constant model', () => {
    const features = numeric('a', 'b', 'c', 'd', 'noise');
    const train = generate(3000, features, smooth, { seed: 1, noise: 0.05 });
    const test = generate(1000, features, smooth, { seed: 2, noise: 0.05 });
    const model = trainGbdt(train, { numRounds: 300, learningRate: 0.1, earlyStoppingRounds: 0 });
    const err = mse(model.predictColumns(test.columns), test.label);
    const constant = variance(test.label);
    assert.ok(err < 0.05 * constant, `test MSE ${err} vs constant-model MSE ${constant}`);
    assert.equal(model.numTrees, 300);
    // the base score is the mean label
    const mean = train.label.reduce((s, v) => s + v, 0) / train.rows;
    assert.ok(Math.abs(model.baseScore - mean) < 1e-12);
  });

  it('with a Huber threshold, resists a share of wild labels that drags squared error', () => {
    const features = numeric('a', 'b', 'c', 'd');
    const train = generate(3000, features, smooth, { seed: 11, noise: 0.05 });
    // one row in ten is a "sale" far above its value: the label the squared error chases
    for (let i = 0; i < train.rows; i += 10) train.label[i] = train.label[i]! + 3;
    const test = generate(1000, features, smooth, { seed: 12, noise: 0 });
    const settings = { numRounds: 300, learningRate: 0.1, earlyStoppingRounds: 0 };
    const bias = (model: GbdtModel) => {
      const p = model.predictColumns(test.columns);
      let sum = 0;
      for (let i = 0; i < test.rows; i++) sum += p[i]! - test.label[i]!;
      return sum / test.rows;
    };
    const squared = bias(trainGbdt(train, settings));
    const huber = bias(trainGbdt(train, { ...settings, huberDelta: 0.1 }));
    assert.ok(squared > 0.25, `squared error follows the wild labels: bias ${squared}`);
    assert.ok(Math.abs(huber) < 0.1, `Huber ignores most of their pull: bias ${huber}`);
  });

  it('treats huberDelta 0 as squared error and refuses a negative threshold', () => {
    const features = numeric('a', 'b', 'c', 'd');
    const train = generate(500, features, smooth, { seed: 13, noise: 0.05 });
    const settings = { numRounds: 20, learningRate: 0.1, earlyStoppingRounds: 0 };
    assert.deepEqual(trainGbdt(train, { ...settings, huberDelta: 0 }).serialize(), trainGbdt(train, settings).serialize());
    assert.throws(() => trainGbdt(train, { ...settings, huberDelta: -1 }), /huberDelta must be >= 0/);
  });

  it('recovers the effect of a numeric step and of each categorical level', () => {
    const effects = [0, 1, -1, 2, 0.5];
    const features: FeatureSpec[] = [
      { name: 'x', kind: 'numeric' },
      { name: 'kind', kind: 'categorical', levels: ['a', 'b', 'c', 'd', 'e'] },
      { name: 'noise', kind: 'numeric' },
    ];
    const fn = (x: Float64Array) => (x[0]! > 0.5 ? 2 : 0) + effects[x[1]!]!;
    const train = generate(4000, features, fn, { seed: 3, noise: 0.1 });
    const model = trainGbdt(train, { numRounds: 400, learningRate: 0.1, earlyStoppingRounds: 0 });
    // partial dependence: the mean prediction over 300 training rows with one feature set to a value
    const pd = (f: number, value: number) => {
      let sum = 0;
      for (let i = 0; i < 300; i++) {
        const x = row(train, i);
        x[f] = value;
        sum += model.predictRow(x);
      }
      return sum / 300;
    };
    const step = pd(0, 0.8) - pd(0, 0.2);
    assert.ok(Math.abs(step - 2) < 0.1, `step effect ${step}`);
    for (let level = 1; level < effects.length; level++) {
      const levelEffect = pd(1, level) - pd(1, 0);
      assert.ok(Math.abs(levelEffect - effects[level]!) < 0.1, `level ${level}: ${levelEffect} vs ${effects[level]}`);
    }
    const importance = model.featureImportance();
    assert.ok(importance[0]! > importance[2]! && importance[1]! > importance[2]!, `importance ${importance.join(', ')}`);
  });

  for (const [meaning, missingValue] of [['high', 3], ['low', -2]] as const) {
    it(`routes missing values by the learned default direction (missing means ${meaning})`, () => {
      const fn = (x: Float64Array) => (Number.isNaN(x[0]!) ? missingValue : x[0]!);
      const train = generate(3000, numeric('x', 'noise'), fn, { seed: 4, noise: 0.02, missing: { x: 0.2 } });
      const model = trainGbdt(train, { numRounds: 300, learningRate: 0.1, earlyStoppingRounds: 0 });
      assert.ok(Math.abs(model.predictRow([NaN, 0.5]) - missingValue) < 0.1, `missing: ${model.predictRow([NaN, 0.5])}`);
      assert.ok(Math.abs(model.predictRow([0.1, 0.5]) - 0.1) < 0.1);
      assert.ok(Math.abs(model.predictRow([0.9, 0.5]) - 0.9) < 0.1);
    });
  }

  it('sends a category the training data never had the way missing goes', () => {
    const features: FeatureSpec[] = [{ name: 'kind', kind: 'categorical', levels: ['a', 'b', 'c', 'never'] }];
    // levels a and b are low, c and missing are high; 'never' has no rows
    const fn = (x: Float64Array) => (Number.isNaN(x[0]!) || x[0] === 2 ? 1 : 0);
    const train = generate(2000, features, fn, { seed: 5, missing: { kind: 0.2 } });
    for (let i = 0; i < train.rows; i++) if (train.columns[0]![i] === 3) train.columns[0]![i] = 0;
    const model = trainGbdt(train, { numRounds: 100, learningRate: 0.2, earlyStoppingRounds: 0, baggingFraction: 1, featureFraction: 1 });
    assert.ok(model.predictRow([NaN]) > 0.9);
    assert.ok(model.predictRow([2]) > 0.9);
    assert.ok(model.predictRow([0]) < 0.1 && model.predictRow([1]) < 0.1);
    assert.equal(model.predictRow([3]), model.predictRow([NaN]));
    // not a level index at all: also treated as missing
    assert.equal(model.predictRow([7]), model.predictRow([NaN]));
    assert.equal(model.predictRow([0.5]), model.predictRow([NaN]));
  });

  it('stops early and keeps the best iteration', () => {
    const features = numeric('a', 'b', 'c', 'd', 'e', 'f');
    const train = generate(300, features, smooth, { seed: 6, noise: 0.5 });
    const valid = generate(300, features, smooth, { seed: 8, noise: 0.5 });
    const params = { numRounds: 400, learningRate: 0.3, numLeaves: 15, minDataInLeaf: 5, earlyStoppingRounds: 25 };
    const stopped = trainGbdt(train, params, valid);
    assert.ok(stopped.numTrees < 300, `kept ${stopped.numTrees} trees`);
    // validation data does not change the trees: the full run's first trees are the same, so the kept
    // count must be where the full run's validation loss is lowest
    const full = trainGbdt(train, { ...params, earlyStoppingRounds: 0 }, valid);
    assert.equal(full.numTrees, 400);
    const doc = JSON.parse(full.serialize());
    const losses: number[] = [];
    const score = new Float64Array(valid.rows).fill(full.baseScore);
    for (let k = 0; k < 400; k++) {
      const single = GbdtModel.deserialize(JSON.stringify({ ...doc, trees: [doc.trees[k]] })).predictColumns(valid.columns);
      for (let i = 0; i < valid.rows; i++) score[i] += single[i]! - full.baseScore;
      losses.push(mse(score, valid.label));
    }
    const best = losses.indexOf(Math.min(...losses)) + 1;
    assert.equal(stopped.numTrees, best);
    assert.ok(best + 25 <= 400, 'the best round is followed by 25 worse ones');
    const prefix = JSON.parse(stopped.serialize());
    assert.deepEqual(prefix.trees, doc.trees.slice(0, best));
  });

  it('scores validation rows with missing values and unseen levels the way the model predicts them', () => {
    const features: FeatureSpec[] = [...numeric('a', 'b'), { name: 'kind', kind: 'categorical', levels: ['p', 'q', 'r', 'unseen'] }];
    const fn = (x: Float64Array) => (Number.isNaN(x[0]!) ? 1 : Math.sin(5 * x[0]!)) + x[1]! + ([0, 0.8, -0.5, 2][x[2]!] ?? 0.3);
    const train = generate(400, features, fn, { seed: 31, noise: 0.4, missing: { a: 0.15, kind: 0.1 } });
    for (let i = 0; i < train.rows; i++) if (train.columns[2]![i] === 3) train.columns[2]![i] = 1;
    const valid = generate(400, features, fn, { seed: 32, noise: 0.4, missing: { a: 0.15, kind: 0.1 } });
    const params = { numRounds: 150, learningRate: 0.3, minDataInLeaf: 5, earlyStoppingRounds: 150 };
    const kept = trainGbdt(train, params, valid);
    const doc = JSON.parse(trainGbdt(train, { ...params, earlyStoppingRounds: 0 }).serialize());
    const losses: number[] = [];
    const score = new Float64Array(valid.rows).fill(kept.baseScore);
    for (let k = 0; k < 150; k++) {
      const single = GbdtModel.deserialize(JSON.stringify({ ...doc, trees: [doc.trees[k]] })).predictColumns(valid.columns);
      for (let i = 0; i < valid.rows; i++) score[i] += single[i]! - kept.baseScore;
      losses.push(mse(score, valid.label));
    }
    assert.equal(kept.numTrees, losses.indexOf(Math.min(...losses)) + 1);
    assert.ok(kept.numTrees < 150, 'overfitting sets in before the last round');
  });

  it('is reproducible for a seed; bagging and feature sampling change the model', () => {
    const features = numeric('a', 'b', 'c', 'd', 'e');
    const train = generate(1500, features, smooth, { seed: 9, noise: 0.1 });
    const sampled = { numRounds: 60, baggingFraction: 0.7, featureFraction: 0.6, earlyStoppingRounds: 0 };
    const first = trainGbdt(train, sampled).serialize();
    const again = trainGbdt(train, sampled).serialize();
    assert.equal(first, again);
    const otherSeed = trainGbdt(train, { ...sampled, seed: 2 }).serialize();
    assert.notEqual(first, otherSeed);
    const noBagging = trainGbdt(train, { ...sampled, baggingFraction: 1 }).serialize();
    const allFeatures = trainGbdt(train, { ...sampled, featureFraction: 1 }).serialize();
    assert.notEqual(first, noBagging);
    assert.notEqual(first, allFeatures);
    assert.notEqual(noBagging, allFeatures);
    // without any sampling the seed does not matter
    const plain = { ...sampled, baggingFraction: 1, featureFraction: 1 };
    assert.equal(
      trainGbdt(train, { ...plain, seed: 1 }).serialize().replace('"seed":1', ''),
      trainGbdt(train, { ...plain, seed: 5 }).serialize().replace('"seed":5', ''),
    );
  });

  it('respects numLeaves, maxDepth and minDataInLeaf', () => {
    const train = generate(2000, numeric('a', 'b', 'c', 'd'), smooth, { seed: 10, noise: 0.05 });
    const model = trainGbdt(train, { numRounds: 20, numLeaves: 12, maxDepth: 3, minDataInLeaf: 40, earlyStoppingRounds: 0 });
    const doc = JSON.parse(model.serialize());
    for (const tree of doc.trees) {
      assert.ok(tree.leafValue.length <= 8, 'depth 3 allows at most 8 leaves');
      assert.ok(tree.leafCover.every((c: number) => c >= 40));
      const depth = (node: number): number => (node < 0 ? 0 : 1 + Math.max(depth(tree.left[node]), depth(tree.right[node])));
      assert.ok(depth(0) <= 3);
    }
    const wide = JSON.parse(trainGbdt(train, { numRounds: 5, numLeaves: 12, maxDepth: -1, minDataInLeaf: 5, earlyStoppingRounds: 0 }).serialize());
    assert.ok(wide.trees.every((t: { leafValue: number[] }) => t.leafValue.length === 12));
  });

  it('uses row weights', () => {
    // two groups with the same features and different labels: the heavier group decides
    const features = numeric('x');
    const columns = [new Float64Array(200).fill(0.5)];
    const label = Float64Array.from({ length: 200 }, (_, i) => (i < 100 ? 0 : 1));
    const weight = Float64Array.from({ length: 200 }, (_, i) => (i < 100 ? 1 : 3));
    const model = trainGbdt({ features, columns, label, weight }, { numRounds: 10, earlyStoppingRounds: 0, baggingFraction: 1 });
    assert.ok(Math.abs(model.baseScore - 0.75) < 1e-12);
    assert.ok(Math.abs(model.predictRow([0.5]) - 0.75) < 1e-9);
  });

  describe('bad input', () => {
    const features = numeric('a', 'b');
    const good = () => ({ features, columns: [new Float64Array([1, 2, 3]), new Float64Array([4, 5, 6])], label: new Float64Array([1, 2, 3]) });

    it('refuses columns of different lengths', () => {
      const data = good();
      data.columns[1] = new Float64Array([1, 2]);
      assert.throws(() => trainGbdt(data), /column 'b' has 2 rows but label has 3/);
    });
    it('refuses NaN labels', () => {
      const data = good();
      data.label[1] = NaN;
      assert.throws(() => trainGbdt(data), /label row 1 is NaN/);
    });
    it('refuses empty data', () => {
      assert.throws(() => trainGbdt({ features, columns: [new Float64Array(0), new Float64Array(0)], label: new Float64Array(0) }), /empty/);
    });
    it('refuses a categorical value outside its levels', () => {
      const data = { features: [{ name: 'kind', kind: 'categorical' as const, levels: ['x', 'y'] }], columns: [new Float64Array([0, 1, 2])], label: new Float64Array([1, 2, 3]) };
      assert.throws(() => trainGbdt(data), /categorical feature 'kind' row 2 is 2; expected a level index 0\.\.1/);
      data.columns[0]![2] = 0.5;
      assert.throws(() => trainGbdt(data), /'kind' row 2 is 0\.5/);
    });
    it('refuses a column count that does not match the features', () => {
      assert.throws(() => trainGbdt({ ...good(), columns: [new Float64Array(3)] }), /2 features but 1 columns/);
    });
    it('refuses infinite values, negative weights and bad parameters', () => {
      const data = good();
      data.columns[0]![0] = Infinity;
      assert.throws(() => trainGbdt(data), /numeric feature 'a' row 0 is Infinity/);
      assert.throws(() => trainGbdt({ ...good(), weight: new Float64Array([1, -1, 1]) }), /weight row 1 is -1/);
      assert.throws(() => trainGbdt(good(), { numLeaves: 1 }), /numLeaves must be >= 2/);
      assert.throws(() => trainGbdt(good(), { learningRate: NaN }), /learningRate must be a finite number/);
      assert.throws(() => trainGbdt(good(), { numleaves: 8 } as never), /unknown GBDT parameter 'numleaves'/);
    });
    it('refuses validation data with other features', () => {
      const valid = { features: numeric('a', 'c'), columns: [new Float64Array(1), new Float64Array(1)], label: new Float64Array(1) };
      assert.throws(() => trainGbdt(good(), {}, valid), /validation data: features differ/);
    });
  });
});
