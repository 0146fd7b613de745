// A trained model: prediction, TreeSHAP explanations, importance and its byte-stable serialized form.
import type { FeatureSpec } from '../types.js';
import { Forest } from './forest.js';
import { resolveGbdtParams, type GbdtParams } from './params.js';
import { checkFeatureSpecs } from './training-data.js';
import { TreeShapExplainer } from './tree-shap.js';
import type { TreeRecord } from './tree-record.js';

export const MODEL_FORMAT = 'valora-gbdt';
export const MODEL_FORMAT_VERSION = 1;

export interface GbdtModelData {
  features: FeatureSpec[];
  params: GbdtParams;
  baseScore: number;
  trees: TreeRecord[];
}

export class GbdtModel {
  readonly features: FeatureSpec[];
  readonly params: GbdtParams;
  /** The initial prediction: the (weighted) mean label. */
  readonly baseScore: number;
  readonly numTrees: number;
  /** Mean prediction over the training rows as the trees' covers weigh them: the base value of TreeSHAP. */
  readonly expectedValue: number;
  private readonly trees: TreeRecord[];
  private readonly forest: Forest;
  private explainer: TreeShapExplainer | null = null;
  private leafScratch: Float64Array | null = null;

  constructor(data: GbdtModelData) {
    this.features = data.features;
    this.params = data.params;
    this.baseScore = data.baseScore;
    this.trees = data.trees;
    this.numTrees = data.trees.length;
    this.forest = new Forest(data.trees, data.features);
    let expected = data.baseScore;
    for (let t = 0; t < this.numTrees; t++) expected += this.forest.treeExpectation(t);
    this.expectedValue = expected;
  }

  /** x[f]: the raw value of feature f (level index for a categorical; NaN or an unknown level = missing). */
  predictRow(x: ArrayLike<number>): number {
    if (x.length < this.features.length) throw new Error(`predictRow: the model has ${this.features.length} features but the row has ${x.length} values`);
    return this.forest.predictRow(this.baseScore, x);
  }

  predictColumns(columns: Float64Array[], rows?: number): Float64Array {
    if (columns.length !== this.features.length) throw new Error(`predictColumns: the model has ${this.features.length} features but ${columns.length} columns were given`);
    const n = rows ?? columns[0]?.length ?? 0;
    columns.forEach((c, f) => {
      if (c.length < n) throw new Error(`predictColumns: column '${this.features[f]!.name}' has ${c.length} rows, fewer than ${n}`);
    });
    const out = new Float64Array(n);
    const x = new Float64Array(columns.length);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < columns.length; f++) x[f] = columns[f]![i]!;
      out[i] = this.forest.predictRow(this.baseScore, x);
    }
    return out;
  }

  /** TreeSHAP values per feature: expectedValue + Σ out = predictRow(x), to rounding. */
  shap(x: ArrayLike<number>, out?: Float64Array): Float64Array {
    const result = out ?? new Float64Array(this.features.length);
    this.clearForExplaining('shap', x, result);
    this.treeShap().accumulate(x, result);
    return result;
  }

  /** Checks a row and its output array against the model's features, and zeroes the output. */
  private clearForExplaining(caller: string, x: ArrayLike<number>, out: Float64Array): void {
    if (x.length < this.features.length) throw new Error(`${caller}: the model has ${this.features.length} features but the row has ${x.length} values`);
    if (out.length < this.features.length) throw new Error(`${caller}: the output array holds ${out.length} values; the model has ${this.features.length} features`);
    out.fill(0);
  }

  /** Built on the first explanation: most models (the confidence model, training's) never explain. */
  private treeShap(): TreeShapExplainer {
    return (this.explainer ??= new TreeShapExplainer(this.forest));
  }

  /**
   * shap(x, out) and predictRow(x) from one pass over the trees: returns the prediction, bit-identical to
   * predictRow's (the same leaf values added in the same order), with out filled as shap fills it.
   */
  predictAndExplain(x: ArrayLike<number>, out: Float64Array): number {
    this.clearForExplaining('predictAndExplain', x, out);
    const leaves = (this.leafScratch ??= new Float64Array(this.numTrees));
    this.treeShap().accumulate(x, out, leaves);
    let sum = this.baseScore;
    for (let t = 0; t < this.numTrees; t++) sum += leaves[t]!;
    return sum;
  }

  /** Total split gain per feature. */
  featureImportance(): Float64Array {
    const out = new Float64Array(this.features.length);
    for (const t of this.trees) t.splitFeature.forEach((f, k) => (out[f] += t.gain[k]!));
    return out;
  }

  /** JSON with a fixed key order and exact number text: the same model always gives the same string. */
  serialize(): string {
    const p = resolveGbdtParams(this.params);
    return JSON.stringify({
      format: MODEL_FORMAT,
      version: MODEL_FORMAT_VERSION,
      features: this.features.map(featureJson),
      params: p,
      baseScore: this.baseScore,
      trees: this.trees.map((t) => ({
        splitFeature: t.splitFeature,
        // +Infinity ("every present value goes left") has no JSON number; it is written as null
        threshold: t.threshold.map((v) => (v === Infinity ? null : v)),
        defaultLeft: t.defaultLeft,
        leftCategories: t.leftCategories,
        left: t.left,
        right: t.right,
        gain: t.gain,
        leafValue: t.leafValue,
        leafCover: t.leafCover,
      })),
    });
  }

  static deserialize(text: string): GbdtModel {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new Error(`not a GBDT model: ${(error as Error).message}`);
    }
    const o = doc as Record<string, unknown>;
    if (!o || o.format !== MODEL_FORMAT) throw new Error(`not a GBDT model: format is ${JSON.stringify(o?.format)}, expected '${MODEL_FORMAT}'`);
    if (o.version !== MODEL_FORMAT_VERSION) throw new Error(`GBDT model format version ${String(o.version)} is not supported (expected ${MODEL_FORMAT_VERSION})`);
    const features = o.features as FeatureSpec[];
    checkFeatureSpecs(features, 'GBDT model');
    const params = resolveGbdtParams(o.params as Partial<GbdtParams>);
    if (typeof o.baseScore !== 'number') throw new Error('GBDT model: baseScore must be a number');
    if (!Array.isArray(o.trees)) throw new Error('GBDT model: trees must be an array');
    const trees = (o.trees as Record<string, unknown>[]).map((t, i) => readTree(t, i, features));
    return new GbdtModel({ features: features.map(featureJson), params, baseScore: o.baseScore, trees });
  }
}

function featureJson(spec: FeatureSpec): FeatureSpec {
  const out: FeatureSpec = { name: spec.name, kind: spec.kind };
  if (spec.levels) out.levels = [...spec.levels];
  if (spec.label !== undefined) out.label = spec.label;
  return out;
}

function readTree(t: Record<string, unknown>, index: number, features: FeatureSpec[]): TreeRecord {
  const fail = (what: string): never => {
    throw new Error(`GBDT model: tree ${index}: ${what}`);
  };
  if (!t || typeof t !== 'object') fail('not an object');
  const nums = (key: string, length: number): number[] => {
    const a = t[key];
    if (!Array.isArray(a) || a.length !== length) fail(`${key} must be an array of ${length}`);
    return a as number[];
  };
  const splitFeature = t.splitFeature as number[];
  if (!Array.isArray(splitFeature)) fail('splitFeature must be an array');
  const nodes = splitFeature.length;
  const leaves = nodes + 1;
  const threshold = nums('threshold', nodes).map((v) => (v === null ? Infinity : v));
  const leftCategories = t.leftCategories as (number[] | null)[];
  if (!Array.isArray(leftCategories) || leftCategories.length !== nodes) fail(`leftCategories must be an array of ${nodes}`);
  const record: TreeRecord = {
    splitFeature,
    threshold,
    defaultLeft: nums('defaultLeft', nodes),
    leftCategories,
    left: nums('left', nodes),
    right: nums('right', nodes),
    gain: nums('gain', nodes),
    leafValue: nums('leafValue', leaves),
    leafCover: nums('leafCover', leaves),
  };
  for (let k = 0; k < nodes; k++) {
    const f = splitFeature[k]!;
    if (!Number.isInteger(f) || f < 0 || f >= features.length) fail(`node ${k} splits on feature ${f}, which does not exist`);
    const categorical = features[f]!.kind === 'categorical';
    const cats = leftCategories[k];
    if (categorical !== Array.isArray(cats)) fail(`node ${k}: leftCategories must be ${categorical ? 'a list of levels' : 'null'}`);
    if (cats && cats.some((c) => !Number.isInteger(c) || c < 0 || c >= features[f]!.levels!.length)) fail(`node ${k}: a left category is not a level of '${features[f]!.name}'`);
    for (const child of [record.left[k]!, record.right[k]!]) {
      if (!Number.isInteger(child) || (child >= 0 ? child <= k || child >= nodes : ~child >= leaves)) fail(`node ${k} has an invalid child ${child}`);
    }
  }
  return record;
}
