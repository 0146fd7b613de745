// One valuation: the value model's estimate moved to the valuation date by the price index, the evidence
// around the subject, a calibrated FSD and tier (or a documented reason not to value), comparables, and
// exact explanations in currency.
import { monthOfDay } from './calendar.js';
import { EVIDENCE_SEARCH_LIMIT, neighbourhoodEvidence, rankComparables } from './comparables.js';
import type { SalesSpatialIndex } from './sales-spatial-index.js';
import { CONFIDENCE_INPUTS, Z90, Z95, confidenceInputs, confidenceLevel, tierForFsd } from './confidence.js';
import { NoModelForDateError } from './errors.js';
import { imputeFromNeighbours } from './impute-features.js';
import type { MarketModel } from './market-model.js';
import { CRITICAL_FEATURES, encodeSubject, type ModelInputs } from './model-inputs.js';
import type { Contribution, Day, MarketConfig, SalesFrame, Subject, ValuationNoValue, ValuationOptions, ValuationOutcome } from './types.js';

/** Everything a market needs in memory to value: its sales, their spatial index and its models. */
export interface MarketState {
  config: MarketConfig;
  frame: SalesFrame;
  spatial: SalesSpatialIndex;
  /** Trained models, oldest cutoff first. */
  models: MarketModel[];
}

/** Candidates looked at when ranking comparables. */
const RANKING_POOL = 50;

export const NO_VALUE_DESCRIPTIONS = {
  missing_critical_data: 'Floor area, bedrooms and property type are all unknown: at least one physical characteristic is needed',
  insufficient_comparables: (min: number, radiusKm: number, months: number) => `Fewer than ${min} comparable sales within ${radiusKm} km and ${months} months before the valuation date`,
  below_confidence_threshold: (maxFsd: number) => `The estimate's forecast standard deviation is above ${maxFsd}, the least confidence this market reports`,
};

/**
 * The model a valuation dated `asOf` may use: the newest trained only on sales before that day, so no
 * later sale influences the value or the index.
 */
export function modelForDate(state: MarketState, asOf: Day): MarketModel {
  let chosen: MarketModel | undefined;
  for (const m of state.models) if (m.trainedUntilDay < asOf) chosen = m;
  if (!chosen) {
    const first = state.models[0];
    throw new NoModelForDateError(first ? `no model of market '${state.config.id}' was trained only on sales before that date (the earliest uses sales up to ${first.artifact.trainedUntil})` : `market '${state.config.id}' has no trained model`);
  }
  return chosen;
}

export function valueSubject(state: MarketState, subject: Subject, options: ValuationOptions, currentYear = new Date().getUTCFullYear()): ValuationOutcome {
  const { config, frame, spatial } = state;
  const model = modelForDate(state, options.asOf);
  const inputs = model.inputs;
  const modelVersion = model.version;
  const encoded = encodeSubject(subject, config, inputs, currentYear);

  const given = subject.attributes ?? {};
  const criticalMissing = CRITICAL_FEATURES.filter((name) => given[name] === undefined || given[name] === null || given[name] === '');
  if (criticalMissing.length === CRITICAL_FEATURES.length) {
    return noValue('missing_critical_data', NO_VALUE_DESCRIPTIONS.missing_critical_data, [...criticalMissing], modelVersion);
  }

  const radiusKm = options.radiusKm ?? config.comparables.radiusKm;
  const lookbackMonths = options.lookbackMonths ?? config.comparables.lookbackMonths;
  const numComparables = Math.max(0, Math.floor(options.numComparables ?? config.comparables.count));
  const window = { asOf: options.asOf, radiusKm, lookbackMonths };
  const pool = spatial.nearbySales(subject.latitude, subject.longitude, window, numComparables > 0 ? Math.max(RANKING_POOL, numComparables) : EVIDENCE_SEARCH_LIMIT);
  if (pool.length < config.comparables.minCount) {
    return noValue('insufficient_comparables', NO_VALUE_DESCRIPTIONS.insufficient_comparables(config.comparables.minCount, radiusKm, lookbackMonths), ['recent_comparables', ...encoded.missing], modelVersion);
  }

  imputeFromNeighbours(encoded.x, encoded.missing, inputs, config, frame, pool);
  // With explanations, the same pass over the trees gives the prediction (bit for bit predictLog's). A
  // valuation then refused below for low confidence (~2% on the bundled markets) has explained for
  // nothing, which costs less than walking the trees twice for every other one.
  const shap = options.explain !== false ? new Float64Array(inputs.specs.length) : null;
  const modelLog = shap ? model.predictAndExplainLog(encoded.x, shap) : model.predictLog(encoded.x);
  const timeLog = model.index.logAt(options.asOf) + model.nowcast.adjustment(options.asOf);
  const logValue = modelLog + timeLog;
  const value = Math.exp(logValue);

  const nearest = pool.length > EVIDENCE_SEARCH_LIMIT ? pool.slice(0, EVIDENCE_SEARCH_LIMIT) : pool;
  const evidence = neighbourhoodEvidence(frame, nearest, subject.latitude, subject.longitude, model.index, options.asOf);
  const floorArea = attributeValue(encoded.x, inputs, 'floor_area');
  const completeness = 1 - encoded.missing.length / Math.max(1, inputs.marketFeatureCount);
  const horizon = monthOfDay(options.asOf) - monthOfDay(model.trainedUntilDay);
  const conf = confidenceInputs(evidence, logValue, floorArea, completeness, horizon, new Float64Array(CONFIDENCE_INPUTS.length));
  const fsd = model.artifact.fsdScale * Math.exp(model.confidence.predictRow(conf));
  const tier = tierForFsd(fsd, config.confidence.tiers);
  if (!tier) {
    const maxFsd = Math.max(...config.confidence.tiers.map((t) => t.maxFsd));
    return noValue('below_confidence_threshold', NO_VALUE_DESCRIPTIONS.below_confidence_threshold(maxFsd), encoded.missing.length ? encoded.missing : evidence.count < 10 ? ['recent_comparables'] : [], modelVersion);
  }

  // The frame's codes follow today's config levels, which may have grown since the model was trained.
  const typeSpec = config.features.find((s) => s.name === 'property_type');
  const typeLevel = encoded.propertyType !== null && typeSpec?.levels ? typeSpec.levels.indexOf(encoded.propertyType) : -1;
  const comparables = numComparables > 0
    ? rankComparables(frame, pool, {
        latitude: subject.latitude,
        longitude: subject.longitude,
        floorArea,
        yearBuilt: attributeValue(encoded.x, inputs, 'year_built'),
        propertyTypeLevel: typeLevel >= 0 ? typeLevel : NaN,
      }, window, model.index, typeSpec, numComparables)
    : [];

  let contributions: Contribution[] = [];
  const baseValue = Math.exp(model.value.expectedValue + (model.artifact.target.kind === 'log_price_per_area' ? model.artifact.target.medianLogArea : 0));
  if (shap) contributions = explainInCurrency(model, inputs, encoded.x, shap, timeLog, value, baseValue, options.maxContributions ?? 10);

  return {
    status: 'success',
    value,
    fsd,
    tier,
    confidenceLevel: confidenceLevel(fsd),
    range90: { low: value * Math.max(0, 1 - Z90 * fsd), high: value * (1 + Z90 * fsd) },
    interval95: { lower: value * Math.max(0, 1 - Z95 * fsd), upper: value * (1 + Z95 * fsd) },
    comparables,
    contributions,
    baseValue,
    modelVersion,
  };
}

/**
 * The value model's TreeSHAP values of x (`shap`, adjusted in place) are additive in log price. They are
 * turned into currency with the logarithmic mean L(value, base) = (value − base) / ln(value / base): each
 * feature's log contribution times L. The currency contributions then add up exactly to value − base,
 * whatever their signs (the LMDI method).
 * The index's move from its reference month to the valuation date is the `market_index` contribution;
 * latitude, longitude and the rotated axes are reported together as `location`.
 */
export function explainInCurrency(model: MarketModel, inputs: ModelInputs, x: Float64Array, shap: Float64Array, timeLog: number, value: number, baseValue: number, limit: number): Contribution[] {
  // Per-area models add log area exactly: its distance from the training median belongs to floor_area.
  const target = model.artifact.target;
  if (target.kind === 'log_price_per_area') shap[target.areaFeature] = shap[target.areaFeature]! + model.offset(x) - target.medianLogArea;
  const totalLog = Math.log(value / baseValue);
  const meanLog = Math.abs(totalLog) < 1e-12 ? value : (value - baseValue) / totalLog;
  const byName = new Map<string, number>();
  inputs.specs.forEach((spec, f) => {
    const name = f >= inputs.marketFeatureCount ? 'location' : spec.name;
    byName.set(name, (byName.get(name) ?? 0) + shap[f]!);
  });
  byName.set('market_index', timeLog);
  return [...byName.entries()]
    .map(([feature, log]) => ({ feature, contribution: log * meanLog }))
    .filter((c) => c.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.feature.localeCompare(b.feature))
    .slice(0, limit);
}

function attributeValue(x: Float64Array, inputs: ModelInputs, name: string): number {
  const f = inputs.specs.findIndex((s) => s.name === name);
  return f >= 0 && f < inputs.marketFeatureCount ? x[f]! : NaN;
}

function noValue(reason: ValuationNoValue['reason'], reasonDescription: string, missingData: string[], modelVersion: string): ValuationNoValue {
  return { status: 'no_value', reason, reasonDescription, missingData: [...new Set(missingData)], modelVersion };
}
