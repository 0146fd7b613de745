// ZillAPI batch detail: up to 500 properties (by property_id or uprn) as one job; results in input order.
import { Type } from '@sinclair/typebox';
import { AUTHENTICATED_ERRORS, errorResponses, validationError } from '../errors.js';
import { submitFromRequest, SubmissionError } from '../../services/jobs/submission-rules.js';
import { MAX_JOB_TIMEOUT_SECS } from '../../services/jobs/submit-job.js';
import type { ApiApp } from '../types.js';
import { JobAccepted, jobAcceptedBody } from '../job-accepted.js';

export const MAX_PROPERTIES_BATCH = 500;

const PropertyRef = Type.Object({
  property_id: Type.Optional(Type.Integer({ minimum: 1 })),
  uprn: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Integer()])),
});

export function routes(app: ApiApp): void {
  app.post('/v1/properties/batch', {
    schema: {
      tags: ['properties'],
      summary: `Full detail of up to ${MAX_PROPERTIES_BATCH} properties, by property_id or uprn, as one job`,
      body: Type.Object({
        properties: Type.Array(PropertyRef, { minItems: 1, maxItems: MAX_PROPERTIES_BATCH }),
        notify_url: Type.Optional(Type.String({ maxLength: 2000 })),
        timeout_secs: Type.Optional(Type.Number({ minimum: 1, maximum: MAX_JOB_TIMEOUT_SECS })),
      }),
      response: { 202: JobAccepted, ...errorResponses(422, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request, reply) => {
      request.body.properties.forEach((p, i) => {
        if (p.property_id === undefined && p.uprn === undefined) throw validationError(`properties.${i}`, 'Each property needs a property_id or a uprn.');
      });
      try {
        const { job, created, webhookSecret } = await submitFromRequest(app.valora.store, {
          accountId: request.account.accountId,
          kind: 'properties_batch',
          items: request.body.properties,
          idempotencyHeader: request.headers['idempotency-key'],
          notifyUrl: request.body.notify_url ?? null,
          fingerprint: { route: 'properties/batch', body: request.body },
          timeoutSecs: request.body.timeout_secs,
        });
        if (!created) reply.header('Idempotent-Replayed', 'true');
        return reply.code(202).send(jobAcceptedBody(job, webhookSecret, request.id));
      } catch (error) {
        if (error instanceof SubmissionError) throw validationError(error.field, error.message);
        throw error;
      }
    },
  });
}
