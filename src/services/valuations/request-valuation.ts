// POST /v1/valuations (Gadsden): find the property, check the balance, value it, then store the answer and
// take the credit in one transaction (shared with other requests': record-valuations.ts). No-value answers
// are stored but never charged; a property that is not found is answered and neither stored nor charged.
import { EngineNotReadyError, InvalidSubjectError, NoModelForDateError } from '../valuation-engine.js';
import type { ValuationOutcome } from '../../engine/types.js';
import { mayHaveCredit } from '../ledger/precheck-balance.js';
import type { PropertyRow } from '../../store/repositories/properties.js';
import { findLastSaleBefore } from '../../store/repositories/valuations.js';
import { holderOfRequester } from '../accounts/holder.js';
import { findProperty } from '../properties/find-property.js';
import { ValuationRequestError } from './errors.js';
import { presentComparables } from './present-comparables.js';
import { valuationRecorder } from './record-valuations.js';
import {
  constructionPeriod,
  dayOf,
  firstString,
  integerOrNull,
  isIsoDate,
  parseAttributes,
  roundTo,
  squareMetres,
  todayDate,
} from './presentation.js';
import type { ValuationContext } from './valuation-context.js';
import { IdempotencyLeaseExpiredError, type IdempotencyClaim } from '../idempotency/answer-once.js';

export interface ValuationRequest {
  property_id?: number | null;
  uprn?: string | number | null;
  postcode?: string | null;
  address?: string | null;
  /** Valora: value as of this date (YYYY-MM-DD), default today. */
  date?: string | null;
  /** Valora: comparables to return, default 5. */
  num_comparables?: number | null;
  /** Valora: false skips the feature contributions (TreeSHAP is most of a valuation's cost); default true. */
  explain?: boolean | null;
}

export interface Requester {
  accountId: number;
  organisationId: number | null;
}

export const DEFAULT_COMPARABLES = 5;
export const MAX_CONTRIBUTIONS = 10;

/** The subject the engine values for a register entry: its location and its latest known attributes. */
export function subjectOf(property: PropertyRow) {
  const attributes = parseAttributes(property.attributes) as Record<string, number | string | null>;
  if (property.property_type != null && attributes.property_type == null) attributes.property_type = property.property_type;
  return { latitude: property.latitude, longitude: property.longitude, propertyId: property.id, attributes };
}

/** Runs the engine, turning its typed refusals into request errors. */
export function runEngine(context: ValuationContext, marketId: string, run: () => ValuationOutcome): ValuationOutcome {
  if (!context.engine.isReady(marketId)) throw new ValuationRequestError('engine_unavailable', 'AVM service unavailable');
  try {
    return run();
  } catch (error) {
    if (error instanceof EngineNotReadyError) throw new ValuationRequestError('engine_unavailable', 'AVM service unavailable');
    if (error instanceof InvalidSubjectError) throw new ValuationRequestError('invalid_field', error.message, { field: error.field });
    // A date before every model's cutoff: no model may value it without having seen later sales.
    if (error instanceof NoModelForDateError) throw new ValuationRequestError('invalid_field', `date: ${error.message}`, { field: 'date' });
    throw error;
  }
}

/**
 * Answers with the documented body (success or no-value), `valuation_id` first; `startedAt` is
 * process.hrtime.bigint() at arrival. Under an Idempotency-Key, `claim` is the key's claim and the item's
 * index: an answer an interrupted earlier attempt already gave (and charged) is answered again, and a new
 * one is stored naming the claim, in the transaction that charges it.
 */
export async function requestValuation(
  context: ValuationContext,
  requester: Requester,
  input: ValuationRequest,
  startedAt: bigint,
  claim: { claim: IdempotencyClaim; item: number } | null = null,
): Promise<Record<string, unknown>> {
  const earlier = claim?.claim.answered.get(claim.item);
  if (earlier) return { ...earlier, processing_time_ms: elapsedMs(startedAt) };
  const hasIdentifier = input.property_id != null || (input.uprn != null && String(input.uprn).trim() !== '') || (input.postcode != null && input.postcode.trim() !== '');
  if (!hasIdentifier) throw new ValuationRequestError('missing_identifier', 'property_id, uprn, or postcode+address required');
  const date = input.date ?? todayDate();
  if (!isIsoDate(date)) throw new ValuationRequestError('invalid_field', 'The date must be a calendar date written YYYY-MM-DD.', { field: 'date' });

  const db = context.store.db;
  const match = await findProperty(db, input);
  if (match.kind === 'none' || match.kind === 'unidentified') throw new ValuationRequestError('not_found', 'Property not found');
  if (match.kind === 'several') {
    throw new ValuationRequestError('several_match', `Several properties match (${match.candidates.length}${match.candidates.length >= 20 ? '+' : ''}); repeat the request with one property_id`, {
      candidates: match.candidates,
    });
  }
  const property = match.property;
  const holder = holderOfRequester(requester);
  if (!(await mayHaveCredit(db, holder))) throw new ValuationRequestError('insufficient_balance', 'Insufficient valuations');

  const config = await context.marketConfig(property.market_id);
  if (!config) throw new ValuationRequestError('engine_unavailable', 'AVM service unavailable');
  const subject = subjectOf(property);
  const outcome = runEngine(context, property.market_id, () =>
    context.engine.value(property.market_id, subject, {
      asOf: dayOf(date),
      numComparables: input.num_comparables ?? DEFAULT_COMPARABLES,
      explain: input.explain ?? true,
      maxContributions: MAX_CONTRIBUTIONS,
    }),
  );

  let body: Record<string, unknown>;
  if (outcome.status === 'success') {
    const attributes = subject.attributes as Record<string, unknown>;
    const [lastSale, comparables] = await Promise.all([findLastSaleBefore(db, property.id, date), presentComparables(db, outcome.comparables, config)]);
    body = {
      status: 'success',
      property_id: property.id,
      uprn: property.uprn,
      predicted_value: Math.round(outcome.value),
      valuation_range: { low: Math.round(outcome.range90.low), high: Math.round(outcome.range90.high) },
      confidence: {
        level: Math.round(outcome.confidenceLevel),
        tier: outcome.tier.tier,
        fsd: roundTo(outcome.fsd, 4),
        fsd_band: outcome.tier.band,
        fitch_haircut: outcome.tier.haircut,
        description: outcome.tier.description,
      },
      property: {
        address: property.address,
        type: property.property_type,
        postcode: property.postcode,
        bedrooms: integerOrNull(attributes.bedrooms),
        floor_area_sqm: squareMetres(typeof attributes.floor_area === 'number' ? attributes.floor_area : null, config.areaUnit),
        construction_period: constructionPeriod(attributes),
        epc_rating: firstString(attributes, ['epc_rating', 'energy_rating', 'current_energy_rating']),
        last_sale: lastSale ? { date: lastSale.sale_date, price: Math.round(lastSale.price) } : null,
      },
      comparables: comparables.map((c) => ({
        address: c.address,
        distance_m: c.distance_m,
        sale_date: c.sale_date,
        sale_price: c.sale_price,
        property_type: c.property_type,
        floor_area_sqm: c.floor_area_sqm,
      })),
      feature_contributions: outcome.contributions.slice(0, MAX_CONTRIBUTIONS).map((c) => ({ feature: c.feature, contribution: roundTo(c.contribution, 2) })),
      model_version: outcome.modelVersion,
      market: property.market_id,
      currency: config.currency,
      valuation_date: date,
    };
  } else {
    body = {
      status: 'no_value',
      valuation: null,
      reason: outcome.reason,
      reason_description: outcome.reasonDescription,
      missing_data: outcome.missingData,
      property_id: property.id,
      uprn: property.uprn,
      model_version: outcome.modelVersion,
      market: property.market_id,
      valuation_date: date,
    };
  }

  if (claim && performance.now() > claim.claim.chargeBy) throw new IdempotencyLeaseExpiredError();
  const recorded = await valuationRecorder(context.store).record({
    valuation: {
      accountId: requester.accountId,
      source: 'gadsden',
      marketId: property.market_id,
      property,
      outcome,
      request: input,
      response: body,
      now: new Date().toISOString(),
      idempotency: claim ? { claimId: claim.claim.id, item: claim.item } : null,
    },
    charge: outcome.status === 'success',
  });
  // Another request spent the last credit between the pre-check and the commit: nothing was kept.
  if ('insufficient' in recorded) throw new ValuationRequestError('insufficient_balance', 'Insufficient valuations');
  const valuationId = recorded.valuationId;
  return { valuation_id: valuationId, ...body, processing_time_ms: elapsedMs(startedAt) };
}

export function elapsedMs(startedAt: bigint): number {
  return Math.max(0, Math.round(Number(process.hrtime.bigint() - startedAt) / 1e6));
}
