import { Type } from '@sinclair/typebox';
import { mayHaveCredit } from '../../services/ledger/precheck-balance.js';
import { holderOfRequester } from '../../services/accounts/holder.js';
import { valuationRecorder } from '../../services/valuations/record-valuations.js';
import { elapsedMs } from '../../services/valuations/request-valuation.js';
import { createValuationContext } from '../../services/valuations/valuation-context.js';
import { valueAvmProperty } from '../../services/valuations/value-avm-property.js';
import { ApiError, AUTHENTICATED_ERRORS, errorResponses } from '../errors.js';
import { Nullable } from '../schema-helpers.js';
import type { ApiApp } from '../types.js';
import { AvmPropertyFields, avmItemFields } from '../avm-item-schema.js';

/** One PadStats AVM item (a batch item is the same fields with property_fields required). */
export const AvmPropertyItemSchema = Type.Object({ ...avmItemFields, property_fields: Type.Optional(AvmPropertyFields) }, { $id: 'AvmPropertyItem' });

const Comparable = Type.Object({
  address: Nullable(Type.String()),
  postcode: Nullable(Type.String()),
  property_id: Nullable(Type.Integer()),
  distance_m: Type.Integer(),
  distance_mi: Type.Number(),
  sale_date: Type.String(),
  sale_price: Type.Integer(),
  adjusted_price: Type.Integer({ description: 'Sale price moved to the valuation date with the price index' }),
  property_type: Nullable(Type.String()),
  floor_area_sqm: Nullable(Type.Number()),
  floor_area: Nullable(Type.Number({ description: "In the market's unit" })),
  similarity: Type.Number(),
});

/** The item `data` object. */
export const AvmPropertyDataSchema = Type.Object(
  {
    valuation: Type.Object({
      point_value: Type.Integer(),
      confidence_interval_95: Type.Object({ lower: Type.Integer(), upper: Type.Integer() }),
      valuation_range_90: Type.Object({ low: Type.Integer(), high: Type.Integer() }),
      fsd: Type.Number(),
      confidence_tier: Type.Integer(),
      confidence_level: Type.Integer(),
      fsd_band: Type.String(),
      fitch_haircut: Type.Number(),
      description: Type.String(),
    }),
    comparables: Type.Array(Comparable),
    feature_contributions: Type.Array(Type.Object({ feature: Type.String(), contribution: Type.Number() })),
    base_value: Type.Integer(),
    model_version: Type.String(),
    market: Type.String(),
    currency: Type.String(),
    area_unit: Type.String(),
    valuation_date: Type.String(),
    register_property_id: Nullable(Type.Integer()),
  },
  { $id: 'AvmPropertyData' },
);

const AvmPropertyResponse = Type.Object({
  property_id: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Your reference, when you gave one' })),
  status: Type.String({ description: '`complete`, or `error` when the property could not be valued reliably (not charged)' }),
  data: Type.Optional(Type.Ref('AvmPropertyData')),
  error: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  missing_data: Type.Optional(Type.Array(Type.String())),
  valuation_id: Nullable(Type.Integer()),
  processing_time_ms: Type.Integer(),
});

export function routes(app: ApiApp): void {
  const context = createValuationContext(app.valora.store, app.valora.engine);
  app.addSchema(AvmPropertyItemSchema);
  app.addSchema(AvmPropertyDataSchema);

  app.post('/v1/avm/property', {
    schema: {
      tags: ['avm'],
      summary: 'PadStats single-property AVM: value an address or a point with its fields (1 credit when complete)',
      body: AvmPropertyItemSchema,
      response: {
        200: AvmPropertyResponse,
        400: Type.Ref('CandidatesError', { description: 'Malformed JSON, or an address matching several properties (with candidates)' }),
        ...errorResponses(402, 404, 413, 422, 503, ...AUTHENTICATED_ERRORS),
      },
    },
    handler: async (request) => {
      const { accountId } = request.account;
      const db = app.valora.store.db;
      if (!(await mayHaveCredit(db, holderOfRequester(request.account)))) throw new ApiError(402, 'Insufficient valuations');
      const item = request.body;
      const result = await valueAvmProperty(context, item);
      const echoed = item.property_id != null ? { property_id: item.property_id } : {};
      if (result.status === 'error') {
        switch (result.code) {
          case 'invalid_field':
          case 'outside_markets':
            throw new ApiError(422, 'Validation failed', { errors: { [result.field ?? 'location']: [result.error] } });
          case 'geocode_failed':
            throw new ApiError(404, result.error);
          case 'ambiguous_address':
            throw new ApiError(400, result.error, { candidates: result.candidates ?? [] });
          case 'engine_unavailable':
            throw new ApiError(503, 'AVM service unavailable');
          case 'no_value': {
            const recorded = await valuationRecorder(app.valora.store).record({
              valuation: {
                accountId,
                source: 'padstats',
                marketId: result.marketId!,
                property: result.property ?? null,
                outcome: result.outcome!,
                request: item,
                response: { error: result.error, reason: result.reason, missing_data: result.missing_data },
                now: new Date().toISOString(),
              },
              charge: false,
            });
            // Free answers are never refused for want of credit.
            const id = 'valuationId' in recorded ? recorded.valuationId : 0;
            return {
              ...echoed,
              status: 'error',
              error: result.error,
              reason: result.reason,
              missing_data: result.missing_data ?? [],
              valuation_id: id,
              processing_time_ms: elapsedMs(request.startedAt),
            };
          }
        }
      }
      const recorded = await valuationRecorder(app.valora.store).record({
        valuation: { accountId, source: 'padstats', marketId: result.marketId, property: result.property, outcome: result.outcome, request: item, response: result.data, now: new Date().toISOString() },
        charge: true,
      });
      if ('insufficient' in recorded) throw new ApiError(402, 'Insufficient valuations');
      const id = recorded.valuationId;
      return { ...echoed, status: 'complete', data: result.data, valuation_id: id, processing_time_ms: elapsedMs(request.startedAt) };
    },
  });
}
