// PadStats batch AVM: submit up to 500 properties as one job (202), then poll GET /v1/avm/batch/{job_id}.
import { Type, type Static } from '@sinclair/typebox';
import { ApiError, AUTHENTICATED_ERRORS, errorResponses, validationError } from '../errors.js';
import { findAccountJob, listItems } from '../../store/repositories/jobs.js';
import { getBalance } from '../../services/ledger/get-balance.js';
import { presentAvmBatch } from '../../services/jobs/present-avm-batch.js';
import { IdempotencyConflictError, MAX_JOB_TIMEOUT_SECS, submitJob } from '../../services/jobs/submit-job.js';
import { checkWebhookUrl, idempotencyKeyOf, SubmissionError } from '../../services/jobs/submission-rules.js';
import { isTerminal } from '../../store/repositories/jobs.js';
import { Nullable } from '../schema-helpers.js';
import type { ApiApp } from '../types.js';
import { AvmPropertyFields, avmItemFields } from '../avm-item-schema.js';

export const MAX_AVM_BATCH = 500;
export const AVM_TYPES = ['property', 'rental', 'multifamily'] as const;

const BatchProperty = Type.Object(
  {
    ...avmItemFields,
    property_fields: AvmPropertyFields,
    explain: Type.Optional(Type.Boolean({ description: 'Valora: also return feature_contributions (TreeSHAP; slower). Default false in batches' })),
  },
  { additionalProperties: true },
);

const BatchBody = Type.Object({
  properties: Type.Array(BatchProperty, { minItems: 1, maxItems: MAX_AVM_BATCH }),
  notify_url: Type.Optional(Type.String({ maxLength: 2000, description: 'Called with the completed job (the polling body), signed' })),
  timeout_secs: Type.Optional(Type.Number({ minimum: 1, maximum: MAX_JOB_TIMEOUT_SECS, description: 'Valora: the job times out after this long (default 600)' })),
});
export type AvmBatchBody = Static<typeof BatchBody>;

const Submitted = Type.Object({
  job_id: Type.String(),
  status: Type.String(),
  avm_type: Type.String(),
  total: Type.Integer(),
  created_at: Type.String(),
  status_url: Type.String(),
  notify_url: Nullable(Type.String()),
  webhook_secret: Type.Optional(Type.String({ description: 'Valora: whsec_… secret the notify_url deliveries are signed with (Standard Webhooks). Returned once.' })),
});

const BatchStatus = Type.Object(
  {
    job_id: Type.String(),
    status: Type.String({ description: 'queued, running, complete or failed' }),
    avm_type: Nullable(Type.String()),
    total: Type.Integer(),
    completed: Type.Integer(),
    failed: Type.Integer(),
    progress_pct: Type.Number(),
    created_at: Type.String(),
    updated_at: Type.String(),
    job_status: Type.Optional(Type.String({ description: 'Valora: timed_out or aborted when status is failed for that reason' })),
    error: Type.Optional(Nullable(Type.String())),
    completed_at: Type.Optional(Nullable(Type.String())),
    webhook_delivered: Type.Optional(Type.Boolean()),
    results: Type.Optional(
      Type.Array(
        Type.Object(
          {
            index: Type.Integer(),
            property_id: Type.Unknown({ description: 'Your reference (string or number), or null when none was given' }),
            status: Type.String({ description: 'complete or error' }),
            data: Type.Optional(Type.Unknown()),
            error: Type.Optional(Type.String()),
          },
          { additionalProperties: true },
        ),
      ),
    ),
  },
  { additionalProperties: true },
);

export function routes(app: ApiApp): void {
  for (const avmType of AVM_TYPES) {
    app.post(`/v1/avm/batch/${avmType}`, {
      schema: {
        tags: ['avm-batch'],
        summary: `Submit a ${avmType} valuation batch (up to ${MAX_AVM_BATCH} properties)`,
        body: BatchBody,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'Repeat a submission safely: the same key returns the original job' })) }),
        response: { 202: Submitted, ...errorResponses(400, 402, 422, ...AUTHENTICATED_ERRORS) },
      },
      handler: async (request, reply) => {
        const { store } = app.valora;
        const accountId = request.account.accountId;
        const body = request.body;
        let idempotencyKey: string | null;
        let notifyUrl: string | null = null;
        try {
          idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
          if (body.notify_url !== undefined) notifyUrl = await checkWebhookUrl('notify_url', body.notify_url);
        } catch (error) {
          if (error instanceof SubmissionError) throw validationError(error.field, error.message);
          throw error;
        }
        body.properties.forEach((p, i) => {
          const hasAddress = typeof p.location.address === 'string' && p.location.address.trim() !== '';
          const hasPoint = p.location.latitude !== undefined && p.location.longitude !== undefined;
          if (!hasAddress && !hasPoint) throw validationError(`properties.${i}.location`, 'The location needs an address, or latitude and longitude.');
        });
        // Gadsden's rule, applied to the one batch kind that is charged: the balance must cover the batch.
        if (avmType === 'property' && idempotencyKey === null && (await getBalance(store.db, accountId)) < body.properties.length) {
          throw new ApiError(402, 'Insufficient valuations');
        }
        let submitted;
        try {
          submitted = await submitJob(store, {
            accountId,
            kind: 'avm_batch',
            avmType,
            items: body.properties,
            notifyUrl,
            idempotencyKey,
            fingerprint: { route: `avm/batch/${avmType}`, body },
            timeoutSecs: body.timeout_secs,
          });
        } catch (error) {
          if (error instanceof IdempotencyConflictError) throw validationError('Idempotency-Key', error.message);
          throw error;
        }
        const { job, created, webhookSecret } = submitted;
        if (!created) reply.header('Idempotent-Replayed', 'true');
        return reply.code(202).send({
          job_id: job.id,
          status: job.status,
          avm_type: avmType,
          total: job.total,
          created_at: job.created_at,
          status_url: `/v1/avm/batch/${job.id}`,
          notify_url: job.notify_url,
          ...(webhookSecret ? { webhook_secret: webhookSecret } : {}),
        });
      },
    });
  }

  app.get('/v1/avm/batch/:job_id', {
    schema: {
      tags: ['avm-batch'],
      summary: 'Poll a batch: progress while it runs, every result once it is complete',
      params: Type.Object({ job_id: Type.String({ maxLength: 64 }) }),
      response: { 200: BatchStatus, ...errorResponses(404, ...AUTHENTICATED_ERRORS) },
    },
    handler: async (request) => {
      const db = app.valora.store.db;
      const job = await findAccountJob(db, request.params.job_id, request.account.accountId);
      if (!job || job.kind !== 'avm_batch') throw new ApiError(404, 'Job not found');
      return presentAvmBatch(job, isTerminal(job.status) ? await listItems(db, job.id, job.total + 1, 0) : null);
    },
  });
}
