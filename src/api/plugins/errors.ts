// Turns every failure into a documented JSON body. Nothing internal (stack, SQL, file names) leaves here:
// unexpected errors are logged with the request id and answered with a bare 500.
import type { FastifyError } from 'fastify';
import { AccountInputError, NotFoundError } from '../../services/accounts/errors.js';
import { KeyLimitError } from '../../services/keys/create-api-key.js';
import { InvalidSubjectError } from '../../services/valuation-engine.js';
import { ValuationRequestError, type ValuationFailureCode } from '../../services/valuations/errors.js';
import { IdempotencyLeaseExpiredError } from '../../services/idempotency/answer-once.js';
import { WriteLockTimeoutError } from '../../store/write-lock.js';
import { ApiError } from '../errors.js';
import type { ApiApp } from '../types.js';

const valuationStatus: Record<ValuationFailureCode, number> = {
  missing_identifier: 400,
  several_match: 400,
  invalid_field: 422,
  not_found: 404,
  insufficient_balance: 402,
  engine_unavailable: 503,
};

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/** `body.location.latitude` → `location.latitude`; a missing property names itself. */
function fieldOf(issue: ValidationIssue): string {
  const path = issue.instancePath.replace(/^\//, '').split('/').filter(Boolean);
  const params = issue.params as Record<string, unknown>;
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') path.push(params.missingProperty);
  if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') path.push(params.additionalProperty);
  return path.join('.') || '(body)';
}

function messageOf(issue: ValidationIssue, field: string): string {
  if (issue.keyword === 'required') return `The ${field} field is required.`;
  if (issue.keyword === 'additionalProperties') return `The ${field} field is not allowed.`;
  return `The ${field} field ${issue.message ?? 'is invalid'}.`;
}

export function installErrorHandling(app: ApiApp): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send({ error: error.message, ...error.extra });
    if (error instanceof ValuationRequestError) {
      const status = valuationStatus[error.code];
      if (status === 422) return reply.code(422).send({ error: 'Validation failed', errors: { [error.detail.field ?? '(body)']: [error.message] } });
      return reply.code(status).send({ error: error.message, ...(error.detail.candidates ? { candidates: error.detail.candidates } : {}) });
    }
    if (error instanceof InvalidSubjectError || error instanceof AccountInputError) {
      return reply.code(422).send({ error: 'Validation failed', errors: { [error.field]: [error.message] } });
    }
    if (error instanceof KeyLimitError) return reply.code(422).send({ error: error.message, errors: { name: [error.message] } });
    if (error instanceof NotFoundError) return reply.code(404).send({ error: 'Not found' });
    // Nothing was charged for either: the request may be sent again (with its Idempotency-Key, if any).
    if (error instanceof WriteLockTimeoutError) return reply.code(503).header('retry-after', '1').send({ error: 'The database is busy; retry shortly' });
    if (error instanceof IdempotencyLeaseExpiredError) return reply.code(503).header('retry-after', '1').send({ error: error.message });
    const fe = error as FastifyError;
    if (fe.validation) {
      const errors: Record<string, string[]> = {};
      for (const issue of fe.validation) {
        const field = fieldOf(issue);
        (errors[field] ??= []).push(messageOf(issue, field));
      }
      return reply.code(422).send({ error: 'Validation failed', errors });
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send({ error: 'Request body too large' });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send({ error: 'Unsupported Content-Type: send application/json' });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(400).send({ error: 'Empty JSON body: send a JSON object' });
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.code(400).send({ error: 'Malformed JSON body' });
    }
    if (error instanceof SyntaxError || (fe.statusCode === 400 && /JSON/i.test(fe.message))) {
      return reply.code(400).send({ error: 'Malformed JSON body' });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send({ error: fe.statusCode === 404 ? 'Not found' : 'Bad request' });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
}
