import type { Generated } from 'kysely';

export type JobKind = 'avm_batch' | 'search' | 'search_with_details' | 'properties_batch';
/** Stored statuses. PadStats' polling shape shows `complete` for `succeeded`. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'aborted';
export type JobItemStatus = 'pending' | 'succeeded' | 'failed' | 'skipped';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface JobsTable {
  /** A random UUID: the public job id. */
  id: string;
  account_id: number;
  kind: JobKind;
  /** PadStats batches: property, rental or multifamily. */
  avm_type: string | null;
  status: JobStatus;
  /** search_with_details: 'search' then 'detail'. */
  chain_stage: string | null;
  /** Job-level parameters (search filters, maxItems), JSON. */
  params: string;
  total: number;
  /** Items finished successfully / with an error (PadStats' completed and failed). */
  completed: number;
  failed: number;
  notify_url: string | null;
  /** whsec_… secret signing deliveries to notify_url (returned once, in the submission response). */
  webhook_secret: string | null;
  /** 1 delivered, 0 gave up, null pending or none requested. */
  webhook_delivered: number | null;
  idempotency_key: string | null;
  /** SHA-256 of the submission (route + body): the same key with a different body is refused. */
  request_hash: string | null;
  timeout_at: string | null;
  worker_id: string | null;
  lease_expires_at: string | null;
  /** How many times a worker has claimed it; a job that keeps killing its workers fails. */
  attempts: number;
  error: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export interface JobItemsTable {
  job_id: string;
  idx: number;
  input: string;
  status: JobItemStatus;
  result: string | null;
  error: string | null;
  attempt: number;
  /** 1 when a ledger debit `job:<job_id>:item:<idx>` exists for it. */
  charged: number;
  updated_at: string;
}

export interface WebhookEndpointsTable {
  id: Generated<number>;
  account_id: number;
  url: string;
  description: string | null;
  /** whsec_… (kept in clear: it signs every delivery; shown to the owner once). */
  secret: string;
  created_at: string;
  deleted_at: string | null;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  job_id: string;
  /** The account endpoint, or null for the job's notify_url. */
  endpoint_id: number | null;
  url: string;
  secret: string;
  /** webhook-id: the same on every retry so receivers can de-duplicate. */
  message_id: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  worker_id: string | null;
  lease_expires_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface JobsTables {
  jobs: JobsTable;
  job_items: JobItemsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
