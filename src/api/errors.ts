// The error bodies every route answers with (Gadsden's shape: `{ "error": "…" }`), their schemas for the
// OpenAPI document, and the exception routes and plugins throw to produce one.
import { Type, type TSchema } from '@sinclair/typebox';
import { Nullable } from './schema-helpers.js';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Extra body fields (limit and retry_after on 429, errors on 422, candidates on an ambiguous match). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** 422 with Laravel-style field detail: `{ error, errors: { field: [message] } }`. */
export function validationError(field: string, message: string): ApiError {
  return new ApiError(422, 'Validation failed', { errors: { [field]: [message] } });
}

export const ErrorBody = Type.Object({ error: Type.String() }, { $id: 'Error', description: 'An error' });
export const ValidationErrorBody = Type.Object(
  { error: Type.String(), errors: Type.Record(Type.String(), Type.Array(Type.String())) },
  { $id: 'ValidationError', description: 'Request failed validation; `errors` maps each field to its messages' },
);
export const RateLimitErrorBody = Type.Object(
  { error: Type.String(), limit: Type.Integer(), retry_after: Type.Integer() },
  { $id: 'RateLimitError', description: 'Rate limit exceeded' },
);
export const CandidatesErrorBody = Type.Object(
  {
    error: Type.String(),
    candidates: Type.Optional(Type.Array(
      Type.Object({
        property_id: Type.Integer(),
        uprn: Nullable(Type.String()),
        address: Nullable(Type.String()),
        postcode: Nullable(Type.String()),
      }),
    )),
  },
  { $id: 'CandidatesError', description: 'Several properties match; choose one by property_id' },
);

const descriptions: Record<number, string> = {
  400: 'Bad request: malformed JSON or missing identifiers',
  401: 'Missing, invalid or revoked API key',
  402: 'Insufficient valuations',
  403: 'API access disabled',
  404: 'Not found',
  413: 'Request body too large',
  415: 'Unsupported content type',
  422: 'Validation failed',
  429: 'Rate limit exceeded',
  503: 'Service unavailable: the model is not loaded, or the database stayed busy (retry; nothing was charged)',
};

/**
 * Every error an authenticated route can answer besides its own ones (503: on SQLite shared by several
 * processes, the rate limit's counting found the write lock taken for 10 s).
 */
export const AUTHENTICATED_ERRORS = [401, 403, 429, 503] as const;

/** Response schemas for the given error statuses, to spread into a route's `response`. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of statuses) {
    const base = status === 422 ? ValidationErrorBody : status === 429 ? RateLimitErrorBody : ErrorBody;
    out[status] = Type.Ref(base.$id!, { description: descriptions[status] ?? 'Error' });
  }
  return out;
}
