// ZillAPI's answer to a submitted job (202): where to poll it and where its results will be. Shared by the
// routes that start jobs on ZillAPI's contract (search, search with details, properties batch).
import { Type } from '@sinclair/typebox';
import { Nullable } from './schema-helpers.js';

export const JobAccepted = Type.Object({
  data: Type.Object({
    job_id: Type.String(),
    status: Type.String(),
    kind: Type.String(),
    chain_stage: Nullable(Type.String()),
    status_url: Type.String(),
    results_url: Type.String(),
    webhook_secret: Type.Optional(Type.String({ description: 'whsec_… secret signing the notify_url deliveries; returned once' })),
  }),
  request_id: Type.String(),
});

/** The 202 body for a job; the webhook secret only on the submission that created it. */
export function jobAcceptedBody(job: { id: string; status: string; kind: string; chain_stage: string | null }, webhookSecret: string | null | undefined, requestId: string) {
  return {
    data: {
      job_id: job.id,
      status: job.status,
      kind: job.kind,
      chain_stage: job.chain_stage,
      status_url: `/v1/jobs/${job.id}`,
      results_url: `/v1/jobs/${job.id}/results`,
      ...(webhookSecret ? { webhook_secret: webhookSecret } : {}),
    },
    request_id: requestId,
  };
}
