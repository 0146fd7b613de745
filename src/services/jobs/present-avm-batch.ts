// The PadStats polling body (GET /v1/avm/batch/{job_id}), also the body its webhooks carry. PadStats knows
// queued, running, complete and failed: a succeeded job shows `complete`; a job that timed out or was
// cancelled shows `failed` (so a client loop waiting for complete/failed ends) with the exact status in
// `job_status` and the reason in `error`.
import { isTerminal, type JobItemRow, type JobRow } from '../../store/repositories/jobs.js';

export function padStatsStatus(status: JobRow['status']): string {
  return status === 'succeeded' ? 'complete' : status === 'timed_out' || status === 'aborted' ? 'failed' : status;
}

export function progressPct(job: Pick<JobRow, 'total' | 'completed' | 'failed' | 'status'>): number {
  if (job.total === 0) return job.status === 'succeeded' ? 100 : 0;
  return Math.round(((job.completed + job.failed) / job.total) * 1000) / 10;
}

export interface AvmBatchItemView {
  index: number;
  property_id: string | number | null;
  status: string;
  data?: unknown;
  error?: string;
}

export interface AvmBatchView {
  job_id: string;
  status: string;
  avm_type: string | null;
  total: number;
  completed: number;
  failed: number;
  progress_pct: number;
  created_at: string;
  updated_at: string;
  job_status?: string;
  error?: string | null;
  completed_at?: string | null;
  webhook_delivered?: boolean;
  results?: AvmBatchItemView[];
}

export function presentAvmBatchItem(item: JobItemRow): AvmBatchItemView {
  const input = safeParse(item.input) as { property_id?: string | number } | null;
  const out: AvmBatchItemView = { index: item.idx, property_id: input && typeof input === 'object' ? (input.property_id ?? null) : null, status: 'pending' };
  if (item.status === 'succeeded') {
    out.status = 'complete';
    out.data = item.result === null ? null : safeParse(item.result);
  } else if (item.status !== 'pending') {
    out.status = 'error';
    out.error = item.error ?? 'Unknown error';
  }
  return out;
}

/** `items` are needed (all of them, in order) once the job is terminal. */
export function presentAvmBatch(job: JobRow, items: JobItemRow[] | null): AvmBatchView {
  const body: AvmBatchView = {
    job_id: job.id,
    status: padStatsStatus(job.status),
    avm_type: job.avm_type,
    total: job.total,
    completed: job.completed,
    failed: job.failed,
    progress_pct: progressPct(job),
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
  if (job.status === 'timed_out' || job.status === 'aborted' || job.status === 'failed') {
    body.job_status = job.status;
    body.error = job.error;
  }
  if (isTerminal(job.status)) {
    body.completed_at = job.completed_at;
    body.webhook_delivered = job.webhook_delivered === 1;
    body.results = (items ?? []).map(presentAvmBatchItem);
  }
  return body;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
