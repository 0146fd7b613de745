// Route glue for answerOnce: validates the Idempotency-Key header and maps its refusals to API errors.
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { answerOnce, IdempotencyConflictError, type IdempotencyClaim } from '../services/idempotency/answer-once.js';
import { idempotencyKeyOf, SubmissionError } from '../services/jobs/submission-rules.js';
import type { Store } from '../store/database.js';
import { ApiError, validationError } from './errors.js';

/** The header as documented in OpenAPI. */
export const IDEMPOTENCY_HEADER = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'Repeat the request safely: the same key and body get the first answer, charged once' })),
});

export async function idempotentAnswer<T>(store: Store, request: FastifyRequest & { account: { accountId: number } }, reply: FastifyReply, work: (claim: IdempotencyClaim | null) => Promise<T>): Promise<T> {
  let key: string | null;
  try {
    key = idempotencyKeyOf(request.headers['idempotency-key']);
  } catch (error) {
    if (error instanceof SubmissionError) throw validationError(error.field, error.message);
    throw error;
  }
  try {
    const answer = await answerOnce(store, request.account.accountId, key, request.routeOptions.url ?? request.url, request.body, work);
    if (answer.replayed) reply.header('idempotent-replayed', 'true');
    reply.code(answer.statusCode);
    return answer.body;
  } catch (error) {
    if (error instanceof IdempotencyConflictError) throw error.statusCode === 422 ? validationError('Idempotency-Key', error.message) : new ApiError(409, error.message);
    throw error;
  }
}
