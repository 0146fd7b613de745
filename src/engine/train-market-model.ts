// Training a market's model, as pure computation over its sales:
//   1. a house price index from the sales themselves (the time effect a time-blind model leaves behind);
//   2. gross outliers (beyond `outlierMads` robust deviations) set aside from training;
//   3. the value model: gradient-boosted trees on the log price moved to the index's reference month,
//      recent sales weighted more, with a Huber loss (a sale far from its value pulls no harder than one
//      at the threshold), early-stopped on the most recent sales;
//   4. the confidence model: the same pipeline trained only up to `calibrationMonths` before the cutoff
//      values the later sales out of time; a small tree model learns the size of those errors from the
//      evidence around each sale, and a scale calibrates it into an FSD;
//   5. the final value model on every sale up to the cutoff, with the early-stopped number of rounds.
import { createHash } from 'node:crypto';
import { addMonths, formatDay, monthOfDay } from './calendar.js';
import { CONFIDENCE_INPUTS, ERROR_FLOOR, calibrateScale, confidenceInputs, relativeError } from './confidence.js';
import { EVIDENCE_SEARCH_LIMIT, neighbourhoodEvidence, type NeighbourhoodEvidence } from './comparables.js';
import { SalesSpatialIndex } from './sales-spatial-index.js';
import { defaultGbdtParams, trainGbdt, type GbdtModel, type GbdtParams } from './gbdt/index.js';
import { averageModels } from './gbdt/average-models.js';
import { MARKET_MODEL_FORMAT, MARKET_MODEL_FORMAT_VERSION, type MarketModelArtifact, type TargetDefinition, type TrainingSettings } from './market-model.js';
import { CRITICAL_FEATURES, modelInputs, trainingColumns, type ModelInputs } from './model-inputs.js';
import { imputeFromNeighbours } from './impute-features.js';
import { DEFAULT_NOWCAST, IndexNowcast } from './nowcast.js';
import { median } from './median.js';
import { estimatePriceIndex, type PriceIndex } from './price-index.js';
import type { Day, MarketConfig, SalesFrame } from './types.js';

/** Bumped when the training method changes, so fingerprints (and model versions) change with it. */
export const TRAINING_METHOD_VERSION = 3;

export interface TrainMarketOptions {
  /** Train on sales on or before this day only. */
  until: Day;
  seed?: number;
  /** Overrides for the value model's trees. */
  valueParams?: Partial<GbdtParams>;
  calibrationMonths?: number;
  recencyHalfLifeYears?: number;
  outlierMads?: number;
  /** The value model's Huber threshold in robust residual spreads (0 = squared error). */
  huberSpreads?: number;
  /** Value models trained with different seeds and averaged (one forest). */
  ensembleMembers?: number;
  /** What the value model predicts (default: the market's valueTarget, else log price). */
  target?: TargetDefinition['kind'];
  onProgress?: (stage: string) => void;
}

const INDEX_STAGE_PARAMS: Partial<GbdtParams> = { numRounds: 100, learningRate: 0.15, numLeaves: 31, earlyStoppingRounds: 0 };
const CONFIDENCE_PARAMS: Partial<GbdtParams> = { numRounds: 150, learningRate: 0.05, numLeaves: 8, maxDepth: 3, earlyStoppingRounds: 0, featureFraction: 1, baggingFraction: 0.8 };

interface StageFit {
  index: PriceIndex;
  /** The average of the members. */
  model: GbdtModel;
  /** Each member's number of trees (its early-stopped rounds when validated). */
  memberRounds: number[];
  trainedRows: number;
  outliers: number;
  /** The Huber threshold the members were trained with (log price; scaled to this stage's residual spread). */
  huberDelta: number;
}

export function trainMarketModel(frame: SalesFrame, config: MarketConfig, options: TrainMarketOptions): MarketModelArtifact {
  const seed = options.seed ?? 1;
  const progress = options.onProgress ?? (() => {});

  const confidenceParams: GbdtParams = { ...defaultGbdtParams, ...CONFIDENCE_PARAMS, seed };
  const calibrationMonths = options.calibrationMonths ?? 12;
  const halfLife = options.recencyHalfLifeYears ?? 2;
  const outlierMads = options.outlierMads ?? 3;
  // Measured on every out-of-time year of the bundled markets (bench `splits`): 0.4 beat squared error in
  // each year by 0.1–0.35 points of MdAPE, and 0.2, 1.0 and 0.1 absolute overall.
  const huberSpreads = options.huberSpreads ?? 0.4;
  const members = options.ensembleMembers ?? ENSEMBLE_MEMBERS;
  if (!Number.isInteger(members) || members < 1) throw new Error(`ensembleMembers must be a whole number of at least 1 (got ${members})`);
  const inputs = modelInputs(config);

  const allEligible = eligibleRows(frame, options.until);
  // Price per unit of floor area is the smoother target when areas are known: the model then learns
  // what a square foot (metre) is worth where, and the area itself enters exactly (log-linear).
  const areaColumn = frame.attributes['floor_area'];
  const withArea = areaColumn ? allEligible.filter((i) => areaColumn[i]! > 0) : [];
  const areasKnown = areaColumn !== undefined && withArea.length >= 0.99 * allEligible.length;
  const perArea = areasKnown && (options.target ?? config.valueTarget ?? 'log_price') === 'log_price_per_area';
  const eligible = perArea ? withArea : allEligible;
  if (eligible.length < 50) throw new Error(`market '${config.id}' has ${eligible.length} market sales up to ${formatDay(options.until)}; at least 50 are needed to train`);
  const columns = trainingColumns(frame, inputs, eligible);
  // Shrinkage grows with the data: a small market takes small steps (its extra rounds are cheap), a large
  // one larger steps so that training stays within seconds. Measured over every out-of-time split and
  // three seeds (bench `splits`), 0.045·√(n/2000) capped at 0.12 with 400 rounds matched 0.03·√(n/2000)
  // capped at 0.08 with 550 (Lucas County within 0.08 point a year, Ames 2009 0.13 better) with 27% fewer
  // trees to walk and explain per valuation.
  const learningRate = Math.min(0.12, Math.max(0.03, 0.045 * Math.sqrt(eligible.length / 2000)));
  const valueParams: GbdtParams = { ...defaultGbdtParams, numRounds: MAX_VALUE_ROUNDS, learningRate, earlyStoppingRounds: 60, ...options.valueParams, seed };
  const areaFeature = inputs.specs.findIndex((f) => f.name === 'floor_area');
  const offsets = Float64Array.from(eligible, (i) => (perArea ? Math.log(areaColumn![i]!) : 0));
  const medianLogArea = perArea ? median(Array.from(offsets)) : 0;
  const targetDefinition: TargetDefinition = perArea ? { kind: 'log_price_per_area', areaFeature, medianLogArea } : { kind: 'log_price', areaFeature: -1, medianLogArea: 0 };

  // Calibration split: the last `calibrationMonths` of sales, valued by a model that never saw them.
  const calibrationCut = addMonths(options.until, -calibrationMonths);
  let earlier: number[] = [];
  let later: number[] = [];
  eligible.forEach((row, k) => (frame.day[row]! <= calibrationCut ? earlier : later).push(k));
  const randomHoldout = later.length < 100 || earlier.length < 200;
  if (randomHoldout) [earlier, later] = randomSplit(eligible.length, 0.2, seed);

  // The earlier model early-stops on its own most recent tenth, never on the calibration sales: errors
  // measured on the sales that chose the stopping round would look smaller than they are.
  const stopAt = Math.max(Math.floor(earlier.length / 2), Math.min(Math.floor(earlier.length * 0.9), earlier.length - 200));
  const earlierTrain = earlier.slice(0, stopAt);
  const earlierStop = earlier.slice(stopAt);

  progress('calibration model');
  const fitEarlier = fitStage(frame, eligible, columns, offsets, earlierTrain, Array.from({ length: members }, () => ({ ...valueParams })), earlierStop, halfLife, outlierMads, huberSpreads, inputs, randomHoldout ? options.until : calibrationCut);
  // The final members see about a tenth more sales than the early-stopped ones, so they take a tenth more rounds.
  const memberRounds = fitEarlier.memberRounds.map((r) => Math.max(10, Math.round(r * 1.1)));
  const rounds = memberRounds.reduce((a, b) => a + b, 0);
  // The earlier model's log values (before the index) of the later sales: they choose the trend window and
  // then, with the index, feed the nowcast and the confidence model.
  const laterModelLogs = modelLogsOf(fitEarlier, columns, offsets, later);
  const trendMonths = randomHoldout ? DEFAULT_TREND_MONTHS : chooseTrendWindow(frame, eligible, later, laterModelLogs, fitEarlier.index);
  fitEarlier.index = fitEarlier.index.withTrendWindow(trendMonths);

  // Out-of-time errors of the earlier model on the later sales, and the evidence around each. Half of the
  // later sales are valued a second time with some of their descriptive features hidden (and imputed from
  // the neighbourhood, as a subject's unknown features are in service), so the confidence model learns what
  // incomplete input costs; only the complete originals calibrate the scale.
  const spatial = new SalesSpatialIndex(frame);
  const confidenceRows: Float64Array[] = [];
  const targets: number[] = [];
  const folds: number[] = [];
  const originals: number[] = [];
  const errors: number[] = [];
  const x = new Float64Array(inputs.specs.length);
  const area = frame.attributes['floor_area'];
  const cutMonth = monthOfDay(randomHoldout ? options.until : calibrationCut);
  const absErrors: number[] = [];
  // The earlier model's residuals on the later sales feed its nowcast, as the market's newer sales do in
  // service: each later sale is valued with the index updated by the later sales made before it.
  const { logs: modelLogs, nowcast } = laterLogValues(fitEarlier.index, frame, eligible, later, laterModelLogs);

  const maskable = inputs.specs.slice(0, inputs.marketFeatureCount).map((s) => s.name).filter((name) => !(CRITICAL_FEATURES as readonly string[]).includes(name));
  const draw = seededUniform(seed + 23);
  const addRow = (logValue: number, row: number, evidence: NeighbourhoodEvidence, known: number, fold: number, original: boolean) => {
    const day = frame.day[row]!;
    const e = relativeError(frame.price[row]!, Math.exp(logValue));
    confidenceRows.push(confidenceInputs(evidence, logValue, area ? area[row]! : NaN, known, monthOfDay(day) - cutMonth));
    targets.push(Math.log(Math.abs(e) + ERROR_FLOOR));
    folds.push(fold);
    if (original) {
      originals.push(targets.length - 1);
      errors.push(e);
      absErrors.push(Math.abs(e));
    }
  };
  later.forEach((k, j) => {
    const row = eligible[k]!;
    for (let f = 0; f < x.length; f++) x[f] = columns[f]![k]!;
    const day = frame.day[row]!;
    const window = { asOf: day, radiusKm: config.comparables.radiusKm, lookbackMonths: config.comparables.lookbackMonths };
    const rows = spatial.nearbySales(frame.latitude[row]!, frame.longitude[row]!, window, EVIDENCE_SEARCH_LIMIT);
    const evidence = neighbourhoodEvidence(frame, rows, frame.latitude[row]!, frame.longitude[row]!, fitEarlier.index, day);
    const fold = draw() < 0.5 ? 0 : 1;
    const adjustment = nowcast.adjustment(day);
    addRow(modelLogs[j]! + adjustment, row, evidence, completeness(x, inputs), fold, true);
    if (maskable.length === 0 || draw() < 0.5) return;
    const hidden = maskable.filter(() => draw() < 0.5);
    if (hidden.length === 0) return;
    for (const name of hidden) x[inputs.specs.findIndex((s) => s.name === name)] = NaN;
    const known = completeness(x, inputs);
    imputeFromNeighbours(x, hidden, inputs, config, frame, rows);
    const logValue = fitEarlier.model.predictRow(x) + offsets[k]! + fitEarlier.index.logAt(day) + adjustment;
    addRow(logValue, row, evidence, known, fold, false);
  });
  progress('confidence model');
  // The scale is calibrated on out-of-fold error predictions (each half scored by a model of the other):
  // in-sample predictions would track the noise in these very errors and make the FSD look too tight.
  const confidenceColumns = CONFIDENCE_INPUTS.map((_, f) => Float64Array.from(confidenceRows, (r) => r[f]!));
  const rawScales = new Float64Array(targets.length);
  for (const fold of [0, 1]) {
    const fit = folds.flatMap((g, i) => (g === fold ? [] : [i]));
    const score = folds.flatMap((g, i) => (g === fold ? [i] : []));
    if (fit.length === 0 || score.length === 0) continue;
    const model = trainGbdt({ features: CONFIDENCE_INPUTS, columns: confidenceColumns.map((c) => Float64Array.from(fit, (i) => c[i]!)), label: Float64Array.from(fit, (i) => targets[i]!) }, confidenceParams);
    for (const i of score) rawScales[i] = Math.exp(model.predictRow(confidenceRows[i]!));
  }
  const calibration = calibrateScale(errors, originals.map((i) => rawScales[i]!));
  const confidence = trainGbdt({ features: CONFIDENCE_INPUTS, columns: confidenceColumns, label: Float64Array.from(targets) }, confidenceParams);

  progress('value model');
  const everything = eligible.map((_, k) => k);
  const final = fitStage(frame, eligible, columns, offsets, everything, memberRounds.map((r) => ({ ...valueParams, numRounds: r, earlyStoppingRounds: 0 })), null, halfLife, outlierMads, huberSpreads, inputs, options.until);

  final.index = final.index.withTrendWindow(trendMonths);
  const settings: TrainingSettings = { seed, value: { ...valueParams, numRounds: rounds, earlyStoppingRounds: 0, huberDelta: final.huberDelta }, confidence: confidenceParams, rounds, ensembleMembers: members, recencyHalfLifeYears: halfLife, outlierMads, huberSpreads, calibrationMonths, trendMonths, nowcast: DEFAULT_NOWCAST };
  const fingerprint = fingerprintTraining(frame, eligible, config, settings);
  const trainedUntil = formatDay(options.until);
  const laterDays = later.map((k) => frame.day[eligible[k]!]!);
  return {
    format: MARKET_MODEL_FORMAT,
    formatVersion: MARKET_MODEL_FORMAT_VERSION,
    marketId: config.id,
    modelVersion: `${trainedUntil}.${fingerprint.slice(0, 8)}`,
    trainedUntil,
    dataFingerprint: fingerprint,
    trainingSales: final.trainedRows,
    excludedOutliers: final.outliers,
    settings,
    inputs: inputs.specs,
    index: final.index.toJSON(),
    target: targetDefinition,
    valueModel: final.model.serialize(),
    confidenceModel: confidence.serialize(),
    fsdScale: calibration.scale,
    calibration: {
      sales: later.length,
      from: formatDay(Math.min(...laterDays)),
      to: formatDay(Math.max(...laterDays)),
      randomHoldout,
      mdape: median(absErrors),
      fsdWithin1: calibration.within1,
      range90Coverage: calibration.within90,
    },
  };
}

/**
 * Seeds averaged in the value model by default. Two members lowered the out-of-time MdAPE by about 0.1
 * point on every bundled year, for twice the trees (~1,200 on Lucas County) and so twice the cost of
 * every prediction and explanation; `valora train --members N` trades speed for that accuracy.
 */
const ENSEMBLE_MEMBERS = 1;
/**
 * A speed budget on the early-stopped value model (the final one takes a tenth more): Lucas County stops
 * here (440 trees), Ames earlier. Uncapped, Lucas County's model would be twice the size for about 0.1
 * point of MdAPE, at twice the prediction and TreeSHAP cost of every valuation (bench `splits`).
 */
const MAX_VALUE_ROUNDS = 400;
const DEFAULT_TREND_MONTHS = 12;
const TREND_WINDOWS = [6, 12, 24, 36];

/**
 * How many recent months of the index to read its trend from: the window under which the earlier model
 * valued the later (calibration) sales with the least bias. Chosen on the calibration year, never on the
 * sales being valued later.
 */
function chooseTrendWindow(frame: SalesFrame, eligible: number[], later: number[], modelLogs: number[], fitIndex: PriceIndex): number {
  let best = { months: DEFAULT_TREND_MONTHS, bias: Infinity };
  for (const months of TREND_WINDOWS) {
    const index = fitIndex.withTrendWindow(months);
    const logRatios = later.map((k, j) => Math.log(frame.price[eligible[k]!]!) - modelLogs[j]! - index.logAt(frame.day[eligible[k]!]!));
    const bias = Math.abs(median(logRatios));
    if (bias < best.bias - 1e-12) best = { months, bias };
  }
  return best.months;
}

/** A stage model's prediction plus the target's offset for each of the given sales (positions in `eligible`). */
function modelLogsOf(fit: StageFit, columns: Float64Array[], offsets: Float64Array, ks: number[]): number[] {
  const x = new Float64Array(columns.length);
  return ks.map((k) => {
    for (let f = 0; f < x.length; f++) x[f] = columns[f]![k]!;
    return fit.model.predictRow(x) + offsets[k]!;
  });
}

/**
 * The later sales' log values (model plus index), each with the index nowcast by the later sales before
 * it (as the market's newer sales move a model's index in service), and that nowcast.
 */
function laterLogValues(index: PriceIndex, frame: SalesFrame, eligible: number[], later: number[], modelLogs: number[]): { logs: number[]; nowcast: IndexNowcast } {
  const logs = later.map((k, j) => modelLogs[j]! + index.logAt(frame.day[eligible[k]!]!));
  const nowcast = IndexNowcast.fromSales(later.map((k) => frame.day[eligible[k]!]!), later.map((k, j) => Math.log(frame.price[eligible[k]!]!) - logs[j]!), DEFAULT_NOWCAST);
  return { logs, nowcast };
}

/** Market sales with a positive price on or before `until`, in frame order (by date). */
export function eligibleRows(frame: SalesFrame, until: Day): number[] {
  const rows: number[] = [];
  for (let i = 0; i < frame.count; i++) if (frame.isMarket[i] === 1 && frame.day[i]! <= until && frame.price[i]! > 0) rows.push(i);
  return rows;
}

/**
 * One pass of index + outliers + value model over the subset `use` (positions in `eligible`): one value
 * model per entry of `memberParams` (the first with the stage's seed, the others with seeds derived from
 * it), averaged. `validation`, when given, early-stops each member on those sales (labels read with this
 * index).
 */
function fitStage(frame: SalesFrame, eligible: number[], columns: Float64Array[], offsets: Float64Array, use: number[], memberParams: GbdtParams[], validation: number[] | null, halfLifeYears: number, outlierMads: number, huberSpreads: number, inputs: ModelInputs, referenceDay: Day): StageFit {
  const n = use.length;
  const sub = columns.map((c) => Float64Array.from(use, (k) => c[k]!));
  // Log price less the target's offset (log area when modelling price per area).
  const logPrice = Float64Array.from(use, (k) => Math.log(frame.price[eligible[k]!]!) - offsets[k]!);
  const months = Int32Array.from(use, (k) => monthOfDay(frame.day[eligible[k]!]!));

  // Index: two rounds of (time-blind model → monthly residuals → smoothed index → re-adjusted labels).
  // Residuals are out-of-fold (two halves, each predicted by a model of the other): in-sample residuals
  // of a flexible model would have absorbed part of the time effect and flattened the index.
  const params = memberParams[0]!;
  const folds = randomFolds(n, params.seed);
  let index = estimatePriceIndex(months, new Float64Array(n));
  let residuals = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    const adjusted = Float64Array.from(logPrice, (v, i) => v - index.logAt(frame.day[eligible[use[i]!]!]!));
    const fitted = outOfFoldPredictions(inputs, sub, adjusted, folds, { ...params, ...INDEX_STAGE_PARAMS, seed: params.seed });
    residuals = Float64Array.from(logPrice, (v, i) => v - fitted[i]!);
    index = estimatePriceIndex(months, residuals);
  }

  // Outliers: sales whose residual (after the index) is far outside the robust spread.
  const afterIndex = Float64Array.from(residuals, (r, i) => r - index.logAt(frame.day[eligible[use[i]!]!]!));
  const centre = median(Array.from(afterIndex));
  const mad = 1.4826 * median(Array.from(afterIndex, (r) => Math.abs(r - centre)));
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (Math.abs(afterIndex[i]! - centre) <= outlierMads * mad || mad === 0) keep.push(i);

  const label = Float64Array.from(keep, (i) => logPrice[i]! - index.logAt(frame.day[eligible[use[i]!]!]!));
  const weight = Float64Array.from(keep, (i) => 0.5 ** ((referenceDay - frame.day[eligible[use[i]!]!]!) / 365.25 / halfLifeYears));
  const trainColumns = sub.map((c) => Float64Array.from(keep, (i) => c[i]!));
  let valid = undefined;
  if (validation) {
    valid = {
      features: inputs.specs,
      columns: columns.map((c) => Float64Array.from(validation, (k) => c[k]!)),
      label: Float64Array.from(validation, (k) => Math.log(frame.price[eligible[k]!]!) - offsets[k]! - index.logAt(frame.day[eligible[k]!]!)),
    };
  }
  // The Huber threshold scales with the market's own noise (the robust spread of the residuals above).
  const huberDelta = huberSpreads * mad;
  const fitted = memberParams.map((p, m) => trainGbdt({ features: inputs.specs, columns: trainColumns, label, weight }, { ...p, seed: memberSeed(p.seed, m), huberDelta }, valid));
  return { index, model: averageModels(fitted), memberRounds: fitted.map((m) => m.numTrees), trainedRows: keep.length, outliers: n - keep.length, huberDelta };
}

/** Each row's prediction by a model trained on the other fold. */
function outOfFoldPredictions(inputs: ModelInputs, columns: Float64Array[], label: Float64Array, folds: Uint8Array, params: GbdtParams): Float64Array {
  const out = new Float64Array(label.length);
  for (const fold of [0, 1]) {
    const train: number[] = [];
    const held: number[] = [];
    folds.forEach((f, i) => (f === fold ? held : train).push(i));
    if (train.length === 0 || held.length === 0) continue;
    const model = trainGbdt({ features: inputs.specs, columns: columns.map((c) => Float64Array.from(train, (i) => c[i]!)), label: Float64Array.from(train, (i) => label[i]!) }, params);
    const predicted = model.predictColumns(columns.map((c) => Float64Array.from(held, (i) => c[i]!)), held.length);
    held.forEach((i, k) => (out[i] = predicted[k]!));
  }
  return out;
}

/** Member 0 keeps the stage's seed (a one-member model is the plain model); the others offset it. */
function memberSeed(seed: number, member: number): number {
  return (seed + 7919 * member) >>> 0;
}

function randomFolds(n: number, seed: number): Uint8Array {
  const [, second] = randomSplit(n, 0.5, seed + 7);
  const folds = new Uint8Array(n);
  for (const i of second) folds[i] = 1;
  return folds;
}

function completeness(x: Float64Array, inputs: ModelInputs): number {
  let known = 0;
  for (let f = 0; f < inputs.marketFeatureCount; f++) if (!Number.isNaN(x[f]!)) known++;
  return inputs.marketFeatureCount ? known / inputs.marketFeatureCount : 1;
}

/**
 * Uniform draws for the pipeline's own splits and masks (xorshift32). Not the trees' SeededRandom: switching
 * would change every calibration split, and so every model and its measured accuracy.
 */
function seededUniform(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
}

/** A seeded split of 0..n-1 into (rest, holdout) with `share` held out. */
function randomSplit(n: number, share: number, seed: number): [number[], number[]] {
  const next = seededUniform(seed);
  const rest: number[] = [];
  const holdout: number[] = [];
  for (let i = 0; i < n; i++) (next() < share ? holdout : rest).push(i);
  return [rest, holdout];
}

function fingerprintTraining(frame: SalesFrame, rows: number[], config: MarketConfig, settings: TrainingSettings): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ method: TRAINING_METHOD_VERSION, market: config.id, features: config.features, settings }));
  const names = config.features.map((f) => f.name);
  const buffer = new Float64Array(5 + names.length);
  for (const i of rows) {
    buffer[0] = frame.saleId[i]!;
    buffer[1] = frame.day[i]!;
    buffer[2] = frame.price[i]!;
    buffer[3] = frame.latitude[i]!;
    buffer[4] = frame.longitude[i]!;
    names.forEach((name, f) => (buffer[5 + f] = frame.attributes[name]?.[i] ?? NaN));
    hash.update(new Uint8Array(buffer.buffer));
  }
  return hash.digest('hex');
}
