import { Type } from '@sinclair/typebox';
import { getValuation } from '../../services/valuations/get-valuation.js';
import { requestValuation } from '../../services/valuations/request-valuation.js';
import { createValuationContext } from '../../services/valuations/valuation-context.js';
import { ApiError, AUTHENTICATED_ERRORS, errorResponses } from '../errors.js';
import { Nullable } from '../schema-helpers.js';
import { gadsdenTimestamp } from '../time.js';
import type { ApiApp } from '../types.js';
import { IDEMPOTENCY_HEADER, idempotentAnswer } from '../idempotent-answer.js';

const ValuationRequestBody = Type.Object(
  {
    uprn: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\s*\\d{1,15}\\s*$' })], { description: 'Unique Property Reference Number' })),
    postcode: Type.Optional(Type.String({ maxLength: 16, description: 'UK postcode, e.g. "M20 2TG"' })),
    address: Type.Optional(Type.String({ maxLength: 300, description: 'Partial address, matched case-insensitively (with postcode)' })),
    property_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'Valora property id (from an earlier response)' })),
    date: Type.Optional(Type.String({ description: 'Valora: value as of this date (YYYY-MM-DD); default today' })),
    num_comparables: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: 'Valora: comparables to return; default 5' })),
    explain: Type.Optional(Type.Boolean({ description: 'Valora: false leaves feature_contributions empty and answers faster; default true' })),
  },
  { description: 'At least one of uprn, postcode (+ address) or property_id' },
);

const Confidence = Type.Object({
  level: Type.Integer(),
  tier: Type.Integer(),
  fsd: Type.Number(),
  fsd_band: Type.String(),
  fitch_haircut: Type.Number(),
  description: Type.String(),
});

const SuccessBody = Type.Object(
  {
    valuation_id: Type.Integer(),
    status: Type.String({ enum: ['success'] }),
    property_id: Type.Integer(),
    uprn: Nullable(Type.String()),
    predicted_value: Type.Integer(),
    valuation_range: Type.Object({ low: Type.Integer(), high: Type.Integer() }),
    confidence: Confidence,
    property: Type.Object({
      address: Nullable(Type.String()),
      type: Nullable(Type.String()),
      postcode: Nullable(Type.String()),
      bedrooms: Nullable(Type.Integer()),
      floor_area_sqm: Nullable(Type.Number()),
      construction_period: Nullable(Type.String()),
      epc_rating: Nullable(Type.String()),
      last_sale: Nullable(Type.Object({ date: Type.String(), price: Type.Integer() })),
    }),
    comparables: Type.Array(
      Type.Object({
        address: Nullable(Type.String()),
        distance_m: Type.Integer(),
        sale_date: Type.String(),
        sale_price: Type.Integer(),
        property_type: Nullable(Type.String()),
        floor_area_sqm: Nullable(Type.Number()),
      }),
    ),
    feature_contributions: Type.Array(Type.Object({ feature: Type.String(), contribution: Type.Number() })),
    model_version: Type.String(),
    processing_time_ms: Type.Integer(),
    market: Type.String({ description: 'Valora: the market that valued it' }),
    currency: Type.String({ description: 'Valora: ISO 4217 currency of every amount' }),
    valuation_date: Type.String({ description: 'Valora: the as-of date' }),
  },
  { description: 'A valuation' },
);

const NoValueBody = Type.Object(
  {
    valuation_id: Type.Integer(),
    status: Type.String({ enum: ['no_value'] }),
    valuation: Nullable(Type.Object({})),
    reason: Type.String({ enum: ['missing_critical_data', 'insufficient_comparables', 'below_confidence_threshold'] }),
    reason_description: Type.String(),
    missing_data: Type.Array(Type.String()),
    property_id: Type.Integer(),
    uprn: Nullable(Type.String()),
    model_version: Type.String(),
    processing_time_ms: Type.Integer(),
    market: Type.String(),
    valuation_date: Type.String(),
  },
  { description: 'The property could not be valued reliably (not charged)' },
);

const StoredValuationBody = Type.Object({
  valuation_id: Type.Integer(),
  property_id: Nullable(Type.Integer()),
  uprn: Nullable(Type.String()),
  address: Nullable(Type.String()),
  postcode: Nullable(Type.String()),
  predicted_value: Nullable(Type.Integer()),
  confidence_level: Nullable(Type.Integer()),
  valuation_tier: Nullable(Type.Integer()),
  status: Type.String(),
  result: Type.String({ description: 'Valora: success or no_value' }),
  market: Type.String(),
  created_at: Type.String(),
  completed_at: Type.String(),
});

export function routes(app: ApiApp): void {
  const context = createValuationContext(app.valora.store, app.valora.engine);

  app.post('/v1/valuations', {
    schema: {
      tags: ['valuations'],
      summary: 'Value one property by uprn, postcode + address, or property_id (1 credit on success)',
      body: ValuationRequestBody,
      headers: IDEMPOTENCY_HEADER,
      response: {
        200: Type.Union([SuccessBody, NoValueBody], { description: 'A valuation, or a no-value answer' }),
        400: Type.Ref('CandidatesError', { description: 'Missing identifiers, malformed JSON, or several matching properties (with candidates)' }),
        ...errorResponses(402, 404, 409, 413, 422, 503, ...AUTHENTICATED_ERRORS),
      },
    },
    handler: async (request, reply) =>
      idempotentAnswer(app.valora.store, request, reply, (claim) =>
        requestValuation(context, { accountId: request.account.accountId, organisationId: request.account.organisationId }, request.body, request.startedAt, claim ? { claim, item: 0 } : null),
      ),
  });

  app.get('/v1/valuations/:id', {
    schema: {
      tags: ['valuations'],
      summary: 'One of your earlier valuations',
      params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
      response: { 200: StoredValuationBody, ...errorResponses(404, 422, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request) => {
      const valuation = await getValuation(app.valora.store.db, request.account.accountId, request.params.id);
      if (!valuation) throw new ApiError(404, 'Valuation not found');
      return { ...valuation, created_at: gadsdenTimestamp(valuation.created_at), completed_at: gadsdenTimestamp(valuation.completed_at) };
    },
  });
}
