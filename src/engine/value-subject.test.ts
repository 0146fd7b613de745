// The engine end to end on a market generated from a known price process: training, the recovered
// index, the valuation contract (success and every no-value reason), comparables, explanations that add
// up, the as-of rule and determinism.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addMonths, parseDay } from './calendar.js';
import { SalesSpatialIndex } from './sales-spatial-index.js';
import { InvalidSubjectError, NoModelForDateError } from './errors.js';
import { MarketModel, serializeMarketModel } from './market-model.js';
import { trainMarketModel } from './train-market-model.js';
import type { SalesFrame, Subject, ValuationSuccess } from './types.js';
import { valueSubject, type MarketState } from './value-subject.js';
import { CENTRE, FAST_TRAINING, SYNTHETIC_MONTHLY_GROWTH, syntheticConfig, syntheticFrame } from '../../test/support/synthetic-market.js';

const config = syntheticConfig();
const frame = syntheticFrame();
const until = parseDay('2018-06-30');
const artifact = trainMarketModel(frame, config, { ...FAST_TRAINING, until });
const state = stateWith(frame);

function stateWith(f: SalesFrame): MarketState {
  const model = new MarketModel(artifact, until);
  model.attachNowcast(f, config);
  return { config, frame: f, spatial: new SalesSpatialIndex(f), models: [model] };
}

const house: Subject = { latitude: CENTRE.latitude, longitude: CENTRE.longitude, attributes: { floor_area: 1500, bedrooms: 3, year_built: 1970, property_type: 'houses' } };
const asOf = parseDay('2018-09-01');

describe('trainMarketModel on a known price process', () => {
  it('recovers the monthly growth in its index', () => {
    const levels = artifact.index.logLevels;
    const perMonth = (levels.at(-1)! - levels[0]!) / (levels.length - 1);
    assert.ok(Math.abs(perMonth - SYNTHETIC_MONTHLY_GROWTH) < 0.0015, `index grows ${perMonth}/month, truth ${SYNTHETIC_MONTHLY_GROWTH}`);
  });

  it('records its version, cutoff, fingerprint and calibration', () => {
    assert.equal(artifact.trainedUntil, '2018-06-30');
    assert.match(artifact.modelVersion, /^2018-06-30\.[0-9a-f]{8}$/);
    assert.match(artifact.dataFingerprint, /^[0-9a-f]{64}$/);
    assert.ok(artifact.calibration.sales > 100);
    assert.ok(artifact.fsdScale > 0);
    // the Huber threshold actually used (a share of the residual spread), not the parameter's default of 0
    const delta = artifact.settings.value.huberDelta;
    assert.ok(delta > 0 && delta < 1, `huberDelta ${delta}`);
  });

  it('gives byte-identical models for the same data and seed, and a different one for another seed', () => {
    const again = trainMarketModel(frame, config, { ...FAST_TRAINING, until });
    assert.equal(serializeMarketModel(again), serializeMarketModel(artifact));
    const other = trainMarketModel(frame, config, { ...FAST_TRAINING, until, seed: 2 });
    assert.notEqual(serializeMarketModel(other), serializeMarketModel(artifact));
  });

  it('uses no sale after its cutoff', () => {
    const changed = syntheticFrame();
    for (let i = 0; i < changed.count; i++) if (changed.day[i]! > until) changed.price[i] = changed.price[i]! * 3;
    assert.equal(serializeMarketModel(trainMarketModel(changed, config, { ...FAST_TRAINING, until })), serializeMarketModel(artifact));
  });
});

describe('valueSubject', () => {
  it('values a house near the truth with a calibrated range, tier and 95% interval', () => {
    const out = valueSubject(state, house, { asOf, numComparables: 5 }) as ValuationSuccess;
    assert.equal(out.status, 'success');
    const months = (asOf - parseDay('2015-01-01')) / 30.44;
    const truth = Math.exp(Math.log(150) + 0.8 * Math.log(1500) + 0.15 + SYNTHETIC_MONTHLY_GROWTH * months);
    assert.ok(Math.abs(out.value / truth - 1) < 0.12, `value ${out.value} vs truth ${truth}`);
    assert.ok(out.fsd > 0 && out.fsd < 0.3);
    assert.ok(out.range90.low < out.value && out.value < out.range90.high);
    assert.ok(out.interval95.lower < out.range90.low && out.interval95.upper > out.range90.high);
    assert.equal(out.modelVersion, artifact.modelVersion);
    assert.ok([1, 2, 3].includes(out.tier.tier));
  });

  it('returns explanations that add up exactly to the value', () => {
    const out = valueSubject(state, house, { asOf, numComparables: 0, maxContributions: 100 }) as ValuationSuccess;
    const sum = out.contributions.reduce((s, c) => s + c.contribution, 0);
    assert.ok(Math.abs(out.baseValue + sum - out.value) < 1e-6 * out.value, `${out.baseValue} + ${sum} vs ${out.value}`);
    const area = out.contributions.find((c) => c.feature === 'floor_area');
    assert.ok(area, 'floor area explains part of the value');
    const bigger = valueSubject(state, { ...house, attributes: { ...house.attributes, floor_area: 2800 } }, { asOf, numComparables: 0, maxContributions: 100 }) as ValuationSuccess;
    assert.ok(bigger.value > out.value, 'a larger house is worth more');
  });

  it('adds up exactly with a per-area target too, the area offset counted in floor_area', () => {
    const perAreaConfig = { ...config, valueTarget: 'log_price_per_area' as const };
    const perArea = trainMarketModel(frame, perAreaConfig, { ...FAST_TRAINING, until });
    assert.equal(perArea.target.kind, 'log_price_per_area');
    const model = new MarketModel(perArea, until);
    const perAreaState: MarketState = { config: perAreaConfig, frame, spatial: state.spatial, models: [model] };
    for (const floor_area of [600, 1500, 2900]) {
      const out = valueSubject(perAreaState, { ...house, attributes: { ...house.attributes, floor_area } }, { asOf, numComparables: 0, maxContributions: 100 }) as ValuationSuccess;
      const sum = out.contributions.reduce((s, c) => s + c.contribution, 0);
      assert.ok(Math.abs(out.baseValue + sum - out.value) < 1e-6 * out.value, `${floor_area}: ${out.baseValue} + ${sum} vs ${out.value}`);
    }
  });

  it('returns ranked comparables from before the date, inside the radius and window', () => {
    const out = valueSubject(state, house, { asOf, numComparables: 5 }) as ValuationSuccess;
    assert.equal(out.comparables.length, 5);
    const from = addMonths(asOf, -60);
    for (const c of out.comparables) {
      assert.ok(c.saleDay < asOf && c.saleDay >= from);
      assert.ok(c.distanceM <= 2000);
      assert.ok(c.adjustedPrice > 0 && c.salePrice > 0);
      assert.equal(c.propertyType, 'House', 'similar type ranks first when houses are plentiful');
    }
    for (let k = 1; k < out.comparables.length; k++) assert.ok(out.comparables[k - 1]!.similarity >= out.comparables[k]!.similarity);
    const none = valueSubject(state, house, { asOf, numComparables: 0 }) as ValuationSuccess;
    assert.deepEqual(none.comparables, []);
    assert.equal(none.value, out.value);
  });

  it('ignores every sale on or after the valuation date', () => {
    const before = valueSubject(state, house, { asOf, numComparables: 5 }) as ValuationSuccess;
    const changed = syntheticFrame();
    for (let i = 0; i < changed.count; i++) if (changed.day[i]! >= asOf) changed.price[i] = changed.price[i]! * 5;
    const after = valueSubject(stateWith(changed), house, { asOf, numComparables: 5 }) as ValuationSuccess;
    assert.equal(after.value, before.value);
    assert.deepEqual(after.comparables, before.comparables);
    assert.equal(after.fsd, before.fsd);
  });

  it('says no value for each documented reason', () => {
    const bare = valueSubject(state, { latitude: CENTRE.latitude, longitude: CENTRE.longitude, attributes: { year_built: 1970 } }, { asOf });
    assert.equal(bare.status, 'no_value');
    assert.equal(bare.status === 'no_value' && bare.reason, 'missing_critical_data');
    assert.deepEqual(bare.status === 'no_value' && bare.missingData, ['floor_area', 'bedrooms', 'property_type']);

    const remote = valueSubject(state, { ...house, latitude: CENTRE.latitude + 1 }, { asOf });
    assert.equal(remote.status === 'no_value' && remote.reason, 'insufficient_comparables');
    assert.ok(remote.status === 'no_value' && remote.missingData.includes('recent_comparables'));

    const strict = { ...state, config: { ...config, confidence: { tiers: [{ tier: 1, maxFsd: 0.001, band: 'A', haircut: 0.025, description: 'High confidence' }] } } };
    const declined = valueSubject(strict, house, { asOf });
    assert.equal(declined.status === 'no_value' && declined.reason, 'below_confidence_threshold');
  });

  it('rejects impossible input naming the field', () => {
    const bad = (attributes: Subject['attributes'], field: string, where: Partial<Subject> = {}) =>
      assert.throws(() => valueSubject(state, { ...house, ...where, attributes: { ...house.attributes, ...attributes } }, { asOf }), (e: unknown) => e instanceof InvalidSubjectError && e.field === field);
    bad({}, 'latitude', { latitude: Number.NaN });
    bad({}, 'longitude', { longitude: 200 });
    bad({ floor_area: 0 }, 'floor_area');
    bad({ floor_area: -10 }, 'floor_area');
    bad({ bedrooms: Number.NaN }, 'bedrooms');
    bad({ year_built: new Date().getUTCFullYear() + 5 }, 'year_built');
    bad({ property_type: 'castle' }, 'property_type');
    bad({ floor_area: 'big' }, 'floor_area');
  });

  it('refuses a date before the model was trained rather than use later sales', () => {
    assert.throws(() => valueSubject(state, house, { asOf: parseDay('2017-01-01') }), NoModelForDateError);
  });
});
