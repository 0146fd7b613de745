import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureSpec } from '../types.js';
import { trainGbdt } from './train-gbdt.js';
import { trainGbdtInWorker } from './train-gbdt-in-worker.js';
import { generate, numeric } from './synthetic.test-helper.js';

describe('trainGbdtInWorker', () => {
  const features: FeatureSpec[] = [...numeric('a', 'b', 'c'), { name: 'kind', kind: 'categorical', levels: ['x', 'y'] }];
  const fn = (x: Float64Array) => Math.cos(3 * x[0]!) + (Number.isNaN(x[1]!) ? 1.2 : x[1]!) - (x[3] === 1 ? 0.5 : 0);
  const train = generate(2000, features, fn, { seed: 21, noise: 0.1, missing: { b: 0.1 } });
  const valid = generate(500, features, fn, { seed: 22, noise: 0.1, missing: { b: 0.1 } });

  it('gives the same model as in-process training, byte for byte', async () => {
    const params = { numRounds: 300, learningRate: 0.2, earlyStoppingRounds: 10, seed: 3 };
    const inWorker = await trainGbdtInWorker(train, params, valid);
    const inProcess = trainGbdt(train, params, valid);
    assert.ok(inProcess.numTrees < 300, 'early stopping took part');
    assert.equal(inWorker.serialize(), inProcess.serialize());
  });

  it('keeps the caller answering while it trains', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const model = await trainGbdtInWorker(train, { numRounds: 400, earlyStoppingRounds: 0 });
    clearInterval(timer);
    assert.equal(model.numTrees, 400);
    assert.ok(ticks > 0, 'the event loop ran during training');
  });

  it('rejects with the training error for bad input', async () => {
    const bad = { ...train, label: new Float64Array(train.label) };
    bad.label[5] = NaN;
    await assert.rejects(trainGbdtInWorker(bad), /label row 5 is NaN/);
    await assert.rejects(trainGbdtInWorker(train, { maxBins: 1 }), /maxBins must be >= 2/);
  });
});
