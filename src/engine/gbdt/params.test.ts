import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultGbdtParams, resolveGbdtParams } from './params.js';

describe('resolveGbdtParams', () => {
  it('fills in the documented defaults, in a fixed key order', () => {
    const p = resolveGbdtParams({ numLeaves: 15 });
    assert.equal(p.numLeaves, 15);
    assert.equal(p.numRounds, 2000);
    assert.equal(p.learningRate, 0.05);
    assert.equal(p.earlyStoppingRounds, 100);
    assert.deepEqual(Object.keys(p), Object.keys(defaultGbdtParams));
  });

  it('accepts maxDepth -1 (no limit) and refuses 0', () => {
    assert.equal(resolveGbdtParams({ maxDepth: -1 }).maxDepth, -1);
    assert.throws(() => resolveGbdtParams({ maxDepth: 0 }), /maxDepth must be >= 1 \(or -1\)/);
  });

  it('names the parameter that is out of range', () => {
    assert.throws(() => resolveGbdtParams({ baggingFraction: 0 }), /baggingFraction must be > 0 and <= 1/);
    assert.throws(() => resolveGbdtParams({ featureFraction: 1.5 }), /featureFraction must be > 0 and <= 1/);
    assert.throws(() => resolveGbdtParams({ numRounds: 2.5 }), /numRounds must be an integer/);
    assert.throws(() => resolveGbdtParams({ seed: -1 }), /seed must be >= 0/);
    assert.throws(() => resolveGbdtParams({ numLeaves: 5000 }), /numLeaves must be >= 2 and <= 1024/);
    assert.throws(() => resolveGbdtParams({ minSumHessianInLeaf: 0 }), /minSumHessianInLeaf must be > 0/);
    assert.throws(() => resolveGbdtParams({ lambdaL2: '1' as unknown as number }), /lambdaL2 must be a finite number/);
  });
});
