// Gadsden batch valuation: up to 100 properties answered in one response, in input order.
import { Type } from '@sinclair/typebox';
import { holderOfRequester } from '../../services/accounts/holder.js';
import { sumHolderBalance } from '../../store/repositories/ledger.js';
import { MAX_VALUATION_BATCH, runValuationBatch } from '../../services/jobs/run-valuation-batch.js';
import { createValuationContext } from '../../services/valuations/valuation-context.js';
import { ApiError, AUTHENTICATED_ERRORS, errorResponses } from '../errors.js';
import type { ApiApp } from '../types.js';
import { IDEMPOTENCY_HEADER, idempotentAnswer } from '../idempotent-answer.js';

const BatchItem = Type.Object(
  {
    uprn: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 20 })])),
    postcode: Type.Optional(Type.String({ maxLength: 16 })),
    address: Type.Optional(Type.String({ maxLength: 300 })),
    property_id: Type.Optional(Type.Integer({ minimum: 1 })),
    date: Type.Optional(Type.String()),
    num_comparables: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
  },
  { description: 'The same fields as POST /v1/valuations' },
);

export function routes(app: ApiApp): void {
  const context = createValuationContext(app.valora.store, app.valora.engine);
  app.post('/v1/valuations/batch', {
    schema: {
      tags: ['valuations'],
      summary: `Value 1–${MAX_VALUATION_BATCH} properties in one call; one credit per success`,
      body: Type.Object({ properties: Type.Array(BatchItem, { minItems: 1, maxItems: MAX_VALUATION_BATCH }) }),
      headers: IDEMPOTENCY_HEADER,
      response: {
        200: Type.Object({
          results: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'In input order: a valuation, a no-value answer, or {input, error}' }),
          total: Type.Integer(),
          processed: Type.Integer({ description: 'Valora: items attempted before the balance ran out (all of them when it did not)' }),
          not_processed: Type.Array(Type.Integer(), { description: 'Valora: indices of items skipped because the balance ran out' }),
        }),
        ...errorResponses(400, 402, 409, 422, ...AUTHENTICATED_ERRORS),
      },
    },
    handler: async (request, reply) =>
      idempotentAnswer(app.valora.store, request, reply, async (claim) => {
        const { accountId, organisationId } = request.account;
        const items = request.body.properties;
        // Items an interrupted earlier attempt with this key already answered are not charged again.
        const toValue = items.length - (claim?.answered.size ?? 0);
        if (toValue > 0 && (await sumHolderBalance(app.valora.store.db, holderOfRequester(request.account))) < toValue) throw new ApiError(402, 'Insufficient valuations');
        return runValuationBatch(context, { accountId, organisationId }, items, claim);
      }),
  });
}
