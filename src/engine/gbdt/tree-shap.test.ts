import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureSpec } from '../types.js';
import { trainGbdt } from './train-gbdt.js';
import { generate, numeric, row } from './synthetic.test-helper.js';
import type { TreeRecord } from './tree-record.js';
import { Forest } from './forest.js';
import { ReferenceTreeShapExplainer } from './tree-shap-reference.js';
import { TreeShapExplainer } from './tree-shap.js';
import { GbdtModel } from './model.js';
import { defaultGbdtParams } from './params.js';
import { SeededRandom } from './random.js';

const features: FeatureSpec[] = [
  ...numeric('a', 'b', 'c'),
  { name: 'kind', kind: 'categorical', levels: ['p', 'q', 'r', 's'] },
  { name: 'constant', kind: 'numeric' },
];
const fn = (x: Float64Array) =>
  (Number.isNaN(x[0]!) ? 0.7 : Math.sin(4 * x[0]!)) + x[1]! * x[2]! + ([0, 0.5, -0.3, 0.2][x[3]!] ?? 0.1) + (x[1]! > 0.5 ? x[0]! || 0 : 0);

function dataset(rows: number, seed: number) {
  const data = generate(rows, features, fn, { seed, noise: 0.05, missing: { a: 0.1, kind: 0.1 } });
  data.columns[4]!.fill(3); // a feature no tree can split on
  return data;
}

describe('TreeSHAP', () => {
  it('adds up with the expected value to the prediction on many rows', () => {
    const train = dataset(2000, 1);
    const model = trainGbdt(train, { numRounds: 150, learningRate: 0.1, numLeaves: 31, earlyStoppingRounds: 0 });
    const test = dataset(500, 2);
    const out = new Float64Array(features.length);
    for (let i = 0; i < 500; i++) {
      const x = row(test, i);
      if (i % 50 === 0) x[3] = 9; // an unknown level
      const phi = model.shap(x, out);
      let sum = model.expectedValue;
      for (const v of phi) sum += v;
      assert.ok(Math.abs(sum - model.predictRow(x)) < 1e-9, `row ${i}: ${sum} vs ${model.predictRow(x)}`);
      assert.equal(phi[4], 0, 'a feature never split on gets exactly 0');
    }
    assert.equal(model.featureImportance()[4], 0);
  });

  it('equals brute-force Shapley values of the path-dependent conditional expectation', () => {
    const train = dataset(600, 3);
    const model = trainGbdt(train, { numRounds: 8, learningRate: 0.3, numLeaves: 12, maxDepth: 6, minDataInLeaf: 5, earlyStoppingRounds: 0 });
    const trees = (JSON.parse(model.serialize()).trees as TreeRecord[]).map((t) => ({
      ...t,
      threshold: t.threshold.map((v) => (v === null ? Infinity : v)),
    }));
    assert.ok(trees.some((t) => t.splitFeature.length >= 8), 'trees deep enough to repeat features on a path');
    const M = features.length;
    const test = dataset(40, 4);
    for (let i = 0; i < 40; i++) {
      const x = row(test, i);
      const expected = bruteForceShapley(trees, model.baseScore, x, M);
      const phi = model.shap(x);
      for (let f = 0; f < M; f++) assert.ok(Math.abs(phi[f]! - expected[f]!) < 1e-10, `row ${i} feature ${f}: ${phi[f]} vs ${expected[f]}`);
    }
  });

  it('gives the same values from the per-leaf tables and from the direct formula', () => {
    const train = dataset(1500, 5);
    const model = trainGbdt(train, { numRounds: 40, numLeaves: 63, maxDepth: -1, minDataInLeaf: 5, earlyStoppingRounds: 0 });
    const doc = JSON.parse(model.serialize());
    const trees = (doc.trees as TreeRecord[]).map((t) => ({ ...t, threshold: t.threshold.map((v) => (v === null ? Infinity : v)) }));
    const forest = new Forest(trees, features);
    const tables = new ReferenceTreeShapExplainer(forest, 10);
    const direct = new ReferenceTreeShapExplainer(forest, 0);
    const mixed = new ReferenceTreeShapExplainer(forest, 3);
    const pathRead = new ReferenceTreeShapExplainer(forest, 0, 0);
    for (let i = 0; i < 100; i++) {
      const x = row(train, i);
      const a = new Float64Array(features.length);
      const b = new Float64Array(features.length);
      const c = new Float64Array(features.length);
      const e = new Float64Array(features.length);
      pathRead.accumulate(x, e);
      tables.accumulate(x, a);
      direct.accumulate(x, b);
      mixed.accumulate(x, c);
      for (let f = 0; f < features.length; f++) {
        const same = Math.abs(a[f]! - b[f]!) < 1e-12 && Math.abs(a[f]! - c[f]!) < 1e-12 && Math.abs(a[f]! - e[f]!) < 1e-12;
        assert.ok(same, `row ${i} feature ${f}: ${a[f]} ${b[f]} ${c[f]} ${e[f]}`);
      }
      const fast = model.shap(x);
      for (let f = 0; f < features.length; f++) assert.ok(Math.abs(fast[f]! - a[f]!) <= 1e-9 * Math.abs(a[f]!) + 1e-13, `row ${i} feature ${f}: ${fast[f]} vs ${a[f]}`);
    }
  });

  it('adds up on deep trees with many distinct features on a path', () => {
    const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const wide = generate(3000, numeric(...names), (x) => x.reduce((s, v, i) => s + v * ((i % 7) - 3), 0), { seed: 41, noise: 0.1 });
    const model = trainGbdt(wide, { numRounds: 4, numLeaves: 512, maxDepth: -1, minDataInLeaf: 2, learningRate: 0.5, earlyStoppingRounds: 0 });
    const doc = JSON.parse(model.serialize());
    const depth = (t: TreeRecord, node: number): number => (node < 0 ? 0 : 1 + Math.max(depth(t, t.left[node]!), depth(t, t.right[node]!)));
    assert.ok(doc.trees.some((t: TreeRecord) => depth(t, 0) > 12), 'some path is deeper than the table limit');
    const trees = (doc.trees as TreeRecord[]).map((t) => ({ ...t, threshold: t.threshold.map((v) => (v === null ? Infinity : v)) }));
    const byPath = new ReferenceTreeShapExplainer(new Forest(trees, wide.features), 0, 0);
    for (let i = 0; i < 50; i++) {
      const x = row(wide, i);
      const phi = model.shap(x);
      const sum = phi.reduce((s, v) => s + v, model.expectedValue);
      assert.ok(Math.abs(sum - model.predictRow(x)) < 1e-9, `row ${i}: ${sum} vs ${model.predictRow(x)}`);
      const other = new Float64Array(names.length);
      byPath.accumulate(x, other);
      for (let f = 0; f < names.length; f++) assert.ok(Math.abs(other[f]! - phi[f]!) <= 1e-9 * Math.abs(other[f]!) + 1e-13, `row ${i} feature ${f}: ${phi[f]} vs ${other[f]}`);
    }
  });

  it('equals the reference explainer on random trees with categorical splits, missing values and unknown levels', () => {
    const rng = new SeededRandom(2024);
    const specs: FeatureSpec[] = [
      ...numeric('n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'),
      { name: 'c0', kind: 'categorical', levels: ['a', 'b', 'c', 'd', 'e'] },
      { name: 'c1', kind: 'categorical', levels: Array.from({ length: 40 }, (_, i) => `l${i}`) },
    ];
    // shallow trees (the written-out 4-node rule), deep ones with more than 8 features on a path (the
    // general rule), a single leaf, and features repeated along paths
    const shapes = [
      { trees: 60, leaves: 31, depth: 8, features: specs.length },
      { trees: 30, leaves: 12, depth: 6, features: 3 },
      { trees: 8, leaves: 200, depth: 40, features: specs.length },
      { trees: 1, leaves: 1, depth: 0, features: 1 },
    ];
    for (const shape of shapes) {
      const trees = Array.from({ length: shape.trees }, () => randomTree(rng, specs, shape.leaves, shape.depth, shape.features));
      const model = new GbdtModel({ features: specs, params: defaultGbdtParams, baseScore: 0.25, trees });
      const reference = new ReferenceTreeShapExplainer(new Forest(trees, specs));
      for (let i = 0; i < 200; i++) {
        const x = randomRow(rng, specs);
        const phi = model.shap(x);
        const expected = new Float64Array(specs.length);
        reference.accumulate(x, expected);
        for (let f = 0; f < specs.length; f++) {
          assert.ok(Math.abs(phi[f]! - expected[f]!) <= 1e-9 * Math.abs(expected[f]!) + 1e-12, `${shape.leaves} leaves, row ${i}, feature ${f}: ${phi[f]} vs ${expected[f]}`);
        }
        const sum = phi.reduce((a, v) => a + v, model.expectedValue);
        assert.ok(Math.abs(sum - model.predictRow(x)) < 1e-9, `${shape.leaves} leaves, row ${i}: ${sum} vs ${model.predictRow(x)}`);
      }
    }
  });

  it('equals brute-force Shapley values on random small trees with categorical splits and missing values', () => {
    const rng = new SeededRandom(77);
    const trees = Array.from({ length: 6 }, () => randomTree(rng, features, 10, 7, features.length));
    const model = new GbdtModel({ features, params: defaultGbdtParams, baseScore: -1, trees });
    for (let i = 0; i < 40; i++) {
      const x = randomRow(rng, features);
      const expected = bruteForceShapley(trees, model.baseScore, x, features.length);
      const phi = model.shap(x);
      for (let f = 0; f < features.length; f++) assert.ok(Math.abs(phi[f]! - expected[f]!) < 1e-10, `row ${i} feature ${f}: ${phi[f]} vs ${expected[f]}`);
    }
  });

  it('runs the four-node rule in WebAssembly, with the same values as the JavaScript kernel', () => {
    const rng = new SeededRandom(99);
    const specs: FeatureSpec[] = [...numeric('n0', 'n1', 'n2', 'n3', 'n4', 'n5'), { name: 'c0', kind: 'categorical', levels: Array.from({ length: 40 }, (_, i) => `l${i}`) }];
    const trees = Array.from({ length: 50 }, () => randomTree(rng, specs, 31, 8, specs.length));
    const forest = new Forest(trees, specs);
    const wasm = new TreeShapExplainer(forest);
    const js = new TreeShapExplainer(forest, { javascriptOnly: true });
    // the build compiles the kernel (npm run build); without it every explanation would quietly be slower
    assert.equal(wasm.usesWasm, true, 'the WebAssembly kernel is built and loaded');
    assert.equal(js.usesWasm, false);
    for (let i = 0; i < 300; i++) {
      const x = randomRow(rng, specs);
      const a = new Float64Array(specs.length);
      const b = new Float64Array(specs.length);
      wasm.accumulate(x, a);
      js.accumulate(x, b);
      for (let f = 0; f < specs.length; f++) assert.ok(Math.abs(a[f]! - b[f]!) <= 1e-12 * Math.abs(b[f]!) + 1e-15, `row ${i}, feature ${f}: ${a[f]} vs ${b[f]}`);
    }
  });

  it('predicts in the same pass exactly as predictRow does, on both kernels and every kind of tree', () => {
    const rng = new SeededRandom(5);
    const specs: FeatureSpec[] = [...numeric('n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'), { name: 'c0', kind: 'categorical', levels: ['a', 'b', 'c'] }];
    // the four-node rule's trees, a deep one on the general path and a single leaf, interleaved
    const trees = [
      ...Array.from({ length: 20 }, () => randomTree(rng, specs, 31, 8, specs.length)),
      randomTree(rng, specs, 200, 40, specs.length),
      randomTree(rng, specs, 1, 0, 1),
      ...Array.from({ length: 7 }, () => randomTree(rng, specs, 12, 6, 3)),
    ];
    const model = new GbdtModel({ features: specs, params: defaultGbdtParams, baseScore: 0.125, trees });
    const forest = new Forest(trees, specs);
    const explainer = new TreeShapExplainer(forest);
    assert.equal(explainer.usesWasm, true, 'the leaves below come from the WebAssembly kernel');
    const javascript = new TreeShapExplainer(forest, { javascriptOnly: true });
    assert.equal(javascript.usesWasm, false);
    for (let i = 0; i < 200; i++) {
      const x = randomRow(rng, specs);
      const phi = new Float64Array(specs.length);
      assert.equal(model.predictAndExplain(x, phi), model.predictRow(x), `row ${i}: the same sum, bit for bit`);
      assert.deepEqual(Array.from(phi), Array.from(model.shap(x)));
      for (const [kernel, explaining] of [['WebAssembly', explainer], ['JavaScript', javascript]] as const) {
        const leaves = new Float64Array(trees.length);
        explaining.accumulate(x, new Float64Array(specs.length), leaves);
        for (let t = 0; t < trees.length; t++) assert.equal(leaves[t], forest.leafValue[forest.leafOf(t, x)], `${kernel}: row ${i}, tree ${t}`);
      }
    }
  });

  it('reports the memory its prepared arrays take', () => {
    const model = trainGbdt(dataset(500, 9), { numRounds: 20, earlyStoppingRounds: 0 });
    const trees = (JSON.parse(model.serialize()).trees as TreeRecord[]).map((t) => ({ ...t, threshold: t.threshold.map((v) => (v === null ? Infinity : v)) }));
    assert.ok(new TreeShapExplainer(new Forest(trees, features)).byteLength > 0);
  });

  it('gives a single-leaf model no contributions', () => {
    const data = { features: numeric('x'), columns: [new Float64Array(50).fill(1)], label: Float64Array.from({ length: 50 }, (_, i) => i) };
    const model = trainGbdt(data, { numRounds: 5, earlyStoppingRounds: 0 });
    assert.deepEqual(Array.from(model.shap([1])), [0]);
    assert.equal(model.expectedValue, model.predictRow([1]));
  });
});

// --- random trees: any shape, any split, covers and values unrelated to data ---

/** A tree grown by splitting random leaves (split order = node order, as training writes it). */
function randomTree(rng: SeededRandom, specs: FeatureSpec[], leaves: number, maxDepth: number, usable: number): TreeRecord {
  const t: TreeRecord = { splitFeature: [], threshold: [], defaultLeft: [], leftCategories: [], left: [], right: [], gain: [], leafValue: [rng.next() - 0.5], leafCover: [1 + 50 * rng.next()] };
  // per leaf: its parent node and side (−1 for the root), and its depth
  const parentOf: number[] = [-1];
  const sideOf: number[] = [0];
  const depthOf: number[] = [0];
  for (let attempt = 0; attempt < 20 * leaves && t.leafValue.length < leaves; attempt++) {
    const leaf = Math.floor(rng.next() * t.leafValue.length);
    if (depthOf[leaf]! >= maxDepth) continue;
    const k = t.splitFeature.length;
    const f = Math.floor(rng.next() * usable);
    const spec = specs[f]!;
    t.splitFeature.push(f);
    if (spec.kind === 'categorical') {
      const cats = spec.levels!.map((_, c) => c).filter(() => rng.next() < 0.5);
      t.leftCategories.push(cats.length ? cats : [0]);
      t.threshold.push(0);
    } else {
      t.leftCategories.push(null);
      t.threshold.push(rng.next() < 0.05 ? Infinity : rng.next());
    }
    t.defaultLeft.push(rng.next() < 0.5 ? 1 : 0);
    t.gain.push(rng.next());
    const fresh = t.leafValue.length;
    t.leafValue.push(rng.next() - 0.5);
    t.leafCover.push(1 + 50 * rng.next());
    t.left.push(~leaf);
    t.right.push(~fresh);
    if (parentOf[leaf]! >= 0) (sideOf[leaf] ? t.right : t.left)[parentOf[leaf]!] = k;
    parentOf[fresh] = k;
    sideOf[fresh] = 1;
    depthOf[fresh] = depthOf[leaf]! + 1;
    parentOf[leaf] = k;
    sideOf[leaf] = 0;
    depthOf[leaf] = depthOf[leaf]! + 1;
  }
  return t;
}

/** Numbers in [0, 1), levels, and now and then a missing value, an unknown level or a non-integer. */
function randomRow(rng: SeededRandom, specs: FeatureSpec[]): Float64Array {
  return Float64Array.from(specs, (spec) => {
    const r = rng.next();
    if (r < 0.15) return NaN;
    if (spec.kind === 'numeric') return rng.next();
    if (r < 0.2) return spec.levels!.length + 2;
    if (r < 0.22) return 0.5;
    return Math.floor(rng.next() * spec.levels!.length);
  });
}

// --- the definition, computed the slow way ---

function goesLeft(t: TreeRecord, node: number, x: Float64Array): boolean {
  const v = x[t.splitFeature[node]!]!;
  const cats = t.leftCategories[node];
  if (cats) return Number.isInteger(v) && v >= 0 && v < features[t.splitFeature[node]!]!.levels!.length ? cats.includes(v) : t.defaultLeft[node] === 1;
  return Number.isNaN(v) ? t.defaultLeft[node] === 1 : v <= t.threshold[node]!;
}

function cover(t: TreeRecord, node: number): number {
  return node < 0 ? t.leafCover[~node]! : cover(t, t.left[node]!) + cover(t, t.right[node]!);
}

/** E[f(X) | X_S = x_S] as TreeSHAP defines it: follow x on features in S, else weigh both children by cover. */
function conditional(t: TreeRecord, node: number, x: Float64Array, inS: boolean[]): number {
  if (node < 0) return t.leafValue[~node]!;
  if (inS[t.splitFeature[node]!]) return conditional(t, goesLeft(t, node, x) ? t.left[node]! : t.right[node]!, x, inS);
  const l = t.left[node]!;
  const r = t.right[node]!;
  return (cover(t, l) * conditional(t, l, x, inS) + cover(t, r) * conditional(t, r, x, inS)) / cover(t, node);
}

function bruteForceShapley(trees: TreeRecord[], base: number, x: Float64Array, M: number): number[] {
  const value = (mask: number) => {
    const inS = Array.from({ length: M }, (_, f) => (mask & (1 << f)) !== 0);
    return trees.reduce((s, t) => s + conditional(t, t.splitFeature.length ? 0 : ~0, x, inS), base);
  };
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Array<number>(M).fill(0);
  for (let i = 0; i < M; i++) {
    for (let mask = 0; mask < 1 << M; mask++) {
      if (mask & (1 << i)) continue;
      let size = 0;
      for (let f = 0; f < M; f++) if (mask & (1 << f)) size++;
      phi[i] += ((fact(size) * fact(M - size - 1)) / fact(M)) * (value(mask | (1 << i)) - value(mask));
    }
  }
  return phi;
}
