// ZillAPI's generic job endpoints, for every kind of job: status in the `{data, request_id}` envelope,
// cancellation, and paged results as JSON or CSV.
import { Type } from '@sinclair/typebox';
import { ApiError, AUTHENTICATED_ERRORS, errorResponses } from '../errors.js';
import { findAccountJob } from '../../store/repositories/jobs.js';
import { JOB_CURSOR_PATTERN, JOBS_PAGE, listJobs } from '../../services/jobs/list-jobs.js';
import { presentJob } from '../../services/jobs/present-job.js';
import { cancelJob } from '../../services/jobs/cancel-job.js';
import { jobResultsPage, resultsPageCsv, MAX_RESULTS_PAGE } from '../../services/jobs/job-results.js';
import { Nullable, PageQuery } from '../schema-helpers.js';
import type { ApiApp } from '../types.js';

export const JobData = Type.Object(
  {
    job_id: Type.String(),
    status: Type.String({ description: 'queued, running, succeeded, failed, timed_out or aborted' }),
    kind: Type.String({ description: 'avm_batch, search, search_with_details or properties_batch' }),
    avm_type: Nullable(Type.String()),
    chain_stage: Nullable(Type.String({ description: "search_with_details: 'search' then 'detail'" })),
    total: Type.Integer(),
    completed: Type.Integer(),
    failed: Type.Integer(),
    progress_pct: Type.Number(),
    created_at: Type.String(),
    started_at: Nullable(Type.String()),
    updated_at: Type.String(),
    completed_at: Nullable(Type.String()),
    timeout_at: Nullable(Type.String()),
    error: Nullable(Type.String()),
    webhook_delivered: Nullable(Type.Boolean()),
    results_url: Type.String(),
  },
  { additionalProperties: true },
);

export const JobEnvelope = Type.Object({ data: JobData, request_id: Type.String() });

/** A job id in the path: anything that is not a job of this account is simply not found. */
export const JobIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function routes(app: ApiApp): void {
  app.get('/v1/jobs', {
    schema: {
      tags: ['jobs'],
      summary: 'Valora: your jobs of every kind, newest first, page by page',
      querystring: PageQuery(100, JOBS_PAGE, Type.String({ pattern: JOB_CURSOR_PATTERN, description: 'next_before of the previous page' })),
      response: {
        200: Type.Object({ data: Type.Array(JobData), next_before: Nullable(Type.String()), request_id: Type.String() }),
        ...errorResponses(422, ...AUTHENTICATED_ERRORS),
      },
    },
    handler: async (request) => ({ ...(await listJobs(app.valora.store.db, request.account.accountId, request.query)), request_id: request.id }),
  });

  app.get('/v1/jobs/:id', {
    schema: {
      tags: ['jobs'],
      summary: 'A job: status, progress and where its results are',
      params: JobIdParams,
      response: { 200: JobEnvelope, ...errorResponses(404, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request) => {
      const job = await findAccountJob(app.valora.store.db, request.params.id, request.account.accountId);
      if (!job) throw new ApiError(404, 'Job not found');
      return { data: presentJob(job), request_id: request.id };
    },
  });

  app.post('/v1/jobs/:id/cancel', {
    schema: {
      tags: ['jobs'],
      summary: 'Cancel a queued or running job: it becomes aborted; finished items keep their results',
      params: JobIdParams,
      response: { 200: JobEnvelope, 409: JobEnvelope, ...errorResponses(404, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request, reply) => {
      const result = await cancelJob(app.valora.store, request.account.accountId, request.params.id);
      if (result.outcome === 'not_found') throw new ApiError(404, 'Job not found');
      if (result.outcome === 'already_finished') {
        return reply.code(409).send({ data: { ...presentJob(result.job), error: result.job.error ?? `The job already finished (${result.job.status})` }, request_id: request.id });
      }
      return { data: presentJob(result.job), request_id: request.id };
    },
  });

  app.get('/v1/jobs/:id/results', {
    schema: {
      tags: ['jobs'],
      summary: `A page of a job's results in input order (up to ${MAX_RESULTS_PAGE} a page), as JSON or CSV`,
      params: JobIdParams,
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: MAX_RESULTS_PAGE, default: 100 }),
        offset: Type.Integer({ minimum: 0, default: 0 }),
        format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
      }),
      response: {
        200: Type.Object({
          data: Type.Object({
            job_id: Type.String(),
            status: Type.String(),
            items: Type.Array(Type.Object({}, { additionalProperties: true })),
            total: Type.Integer(),
            limit: Type.Integer(),
            offset: Type.Integer(),
            next_offset: Nullable(Type.Integer()),
          }),
          request_id: Type.String(),
        }, { description: 'JSON page; with format=csv the same rows as text/csv' }),
        ...errorResponses(404, 422, ...AUTHENTICATED_ERRORS),
      },
    },
    handler: async (request, reply) => {
      const job = await findAccountJob(app.valora.store.db, request.params.id, request.account.accountId);
      if (!job) throw new ApiError(404, 'Job not found');
      const { limit, offset, format } = request.query;
      const page = await jobResultsPage(app.valora.store.db, job, limit, offset);
      if (format === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8');
        reply.header('x-total-count', String(page.total));
        if (page.next_offset !== null) reply.header('x-next-offset', String(page.next_offset));
        // The schema describes the JSON body; a CSV page is sent as text past the serializer.
        return reply.serializer((payload: unknown) => payload as string).send(resultsPageCsv(page) as never);
      }
      return { data: { ...page, status: job.status }, request_id: request.id };
    },
  });
}
