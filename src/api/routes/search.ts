// ZillAPI search over the property register. Up to 50 results answer at once; more (or `async: true`)
// run as a job. /v1/search/with-details is always a job: the search, then every property's full detail.
import { Type, type Static } from '@sinclair/typebox';
import { AUTHENTICATED_ERRORS, errorResponses, validationError } from '../errors.js';
import { searchProperties, SearchFilterError, checkSearchFilters } from '../../services/search/search-properties.js';
import { submitFromRequest, SubmissionError } from '../../services/jobs/submission-rules.js';
import { MAX_JOB_TIMEOUT_SECS } from '../../services/jobs/submit-job.js';
import type { ApiApp } from '../types.js';
import { JobAccepted, jobAcceptedBody } from '../job-accepted.js';

export const MAX_SYNC_SEARCH = 50;
export const MAX_SEARCH_ITEMS = 10_000;

const Range = Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) });
const Box = Type.Unsafe<[number, number, number, number]>(Type.Array(Type.Number(), { minItems: 4, maxItems: 4, description: '[west, south, east, north] in degrees' }));

export const Filters = Type.Object({
  location: Type.Optional(
    Type.Union([
      Type.String({ maxLength: 200, description: 'A place: a market name ("Sacramento, CA"), a postcode or part of an address' }),
      Type.Object({ bbox: Box }),
      Type.Object({
        latitude: Type.Number({ minimum: -90, maximum: 90 }),
        longitude: Type.Number({ minimum: -180, maximum: 180 }),
        radius_km: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        radius_mi: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      }),
    ]),
  ),
  bbox: Type.Optional(Box),
  market: Type.Optional(Type.String({ maxLength: 100 })),
  beds: Type.Optional(Range),
  baths: Type.Optional(Range),
  floor_area: Type.Optional(Range),
  property_type: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 50 })])),
  last_sale_price: Type.Optional(Range),
  last_sale_date: Type.Optional(Type.Object({ min: Type.Optional(Type.String()), max: Type.Optional(Type.String()) })),
  status: Type.Optional(Type.String({ description: 'Accepted for compatibility; the register has no listings, so it does not filter' })),
});

const SearchBody = Type.Object({
  filters: Type.Optional(Filters),
  maxItems: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEARCH_ITEMS, default: MAX_SYNC_SEARCH })),
  async: Type.Optional(Type.Boolean()),
  extractionMethod: Type.Optional(Type.String({ maxLength: 50, description: 'ZillAPI: PAGINATION_WITH_ZOOM_IN makes the search async (the register needs no zooming; otherwise ignored)' })),
  notify_url: Type.Optional(Type.String({ maxLength: 2000 })),
  timeout_secs: Type.Optional(Type.Number({ minimum: 1, maximum: MAX_JOB_TIMEOUT_SECS })),
});
type SearchBodyType = Static<typeof SearchBody>;

const SyncResults = Type.Object({
  data: Type.Object({
    status: Type.String(),
    items: Type.Array(Type.Object({}, { additionalProperties: true })),
    total: Type.Integer(),
  }),
  request_id: Type.String(),
});

function asValidation(error: unknown): unknown {
  if (error instanceof SearchFilterError || error instanceof SubmissionError) return validationError(error.field, error.message);
  return error;
}

export function routes(app: ApiApp): void {
  const submit = async (request: { body: SearchBodyType; headers: Record<string, string | string[] | undefined>; account: { accountId: number }; id: string }, kind: 'search' | 'search_with_details') => {
    const filters = request.body.filters ?? {};
    const maxItems = request.body.maxItems ?? MAX_SYNC_SEARCH;
    checkSearchFilters(filters);
    const { job, created, webhookSecret } = await submitFromRequest(app.valora.store, {
      accountId: request.account.accountId,
      kind,
      chainStage: kind === 'search_with_details' ? 'search' : null,
      params: { filters, maxItems },
      items: [],
      idempotencyHeader: request.headers['idempotency-key'],
      notifyUrl: request.body.notify_url ?? null,
      fingerprint: { route: kind, body: request.body },
      timeoutSecs: request.body.timeout_secs,
    });
    return { created, body: jobAcceptedBody(job, webhookSecret, request.id) };
  };

  app.post('/v1/search', {
    schema: {
      tags: ['search'],
      summary: `Search the property register: up to ${MAX_SYNC_SEARCH} results at once, more (or async: true) as a job`,
      body: SearchBody,
      response: { 200: SyncResults, 202: JobAccepted, ...errorResponses(422, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request, reply) => {
      const maxItems = request.body.maxItems ?? MAX_SYNC_SEARCH;
      try {
        if (maxItems > MAX_SYNC_SEARCH || request.body.async === true || request.body.extractionMethod === 'PAGINATION_WITH_ZOOM_IN') {
          const { created, body } = await submit(request, 'search');
          if (!created) reply.header('Idempotent-Replayed', 'true');
          return reply.code(202).send(body);
        }
        const items = await searchProperties(app.valora.store.db, request.body.filters ?? {}, maxItems);
        return { data: { status: 'succeeded', items, total: items.length }, request_id: request.id };
      } catch (error) {
        throw asValidation(error);
      }
    },
  });

  app.post('/v1/search/with-details', {
    schema: {
      tags: ['search'],
      summary: 'Search, then fetch every found property in full: one job, chain_stage search then detail',
      body: SearchBody,
      response: { 202: JobAccepted, ...errorResponses(422, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request, reply) => {
      try {
        const { created, body } = await submit(request, 'search_with_details');
        if (!created) reply.header('Idempotent-Replayed', 'true');
        return reply.code(202).send(body);
      } catch (error) {
        throw asValidation(error);
      }
    },
  });

}
