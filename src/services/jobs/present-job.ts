// The ZillAPI job object (GET /v1/jobs/{id} `data`), for every kind of job, with the stored statuses.
import type { JobRow } from '../../store/repositories/jobs.js';
import { progressPct } from './present-avm-batch.js';

export interface JobView {
  job_id: string;
  status: string;
  kind: string;
  avm_type: string | null;
  chain_stage: string | null;
  total: number;
  completed: number;
  failed: number;
  progress_pct: number;
  created_at: string;
  started_at: string | null;
  updated_at: string;
  completed_at: string | null;
  timeout_at: string | null;
  error: string | null;
  webhook_delivered: boolean | null;
  results_url: string;
}

export function presentJob(job: JobRow): JobView {
  return {
    job_id: job.id,
    status: job.status,
    kind: job.kind,
    avm_type: job.avm_type,
    chain_stage: job.chain_stage,
    total: job.total,
    completed: job.completed,
    failed: job.failed,
    progress_pct: progressPct(job),
    created_at: job.created_at,
    started_at: job.started_at,
    updated_at: job.updated_at,
    completed_at: job.completed_at,
    timeout_at: job.timeout_at,
    error: job.error,
    webhook_delivered: job.webhook_delivered === null ? null : job.webhook_delivered === 1,
    results_url: `/v1/jobs/${job.id}/results`,
  };
}
