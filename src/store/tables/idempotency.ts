import type { Generated } from 'kysely';

/**
 * Answers of synchronous charging requests (single and batch valuations) made with an Idempotency-Key,
 * so a retried request gets the first answer instead of being valued and charged again.
 */
export interface IdempotentResponsesTable {
  id: Generated<number>;
  account_id: number;
  idempotency_key: string;
  /** The route, so one key cannot be replayed against another endpoint. */
  route: string;
  /** SHA-256 of the request body: the same key with another body is refused. */
  request_hash: string;
  /** Null while the first request is still being answered. */
  status_code: number | null;
  body: string | null;
  created_at: string;
}

export interface IdempotencyTables {
  idempotent_responses: IdempotentResponsesTable;
}
