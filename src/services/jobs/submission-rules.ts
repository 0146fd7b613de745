// Checks every job submission shares, whichever document's route it arrives by.
import type { Store } from '../../store/database.js';
import { DestinationPolicy, DestinationRefusedError } from '../webhooks/check-destination.js';
import { IdempotencyConflictError, submitJob, type SubmitJobInput, type SubmittedJob } from './submit-job.js';

export class SubmissionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header, validated (printable ASCII, at most 255 characters), or null. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !IDEMPOTENCY_KEY.test(value)) {
    throw new SubmissionError('Idempotency-Key', 'The Idempotency-Key header must be 1 to 255 printable ASCII characters.');
  }
  return value;
}

let policy: DestinationPolicy | null = null;

/** The operator's destination policy (VALORA_WEBHOOK_ALLOW), read once. */
export function destinationPolicy(): DestinationPolicy {
  policy ??= DestinationPolicy.fromEnv();
  return policy;
}

/** A webhook URL a user gives: refused when it is not http(s) or reaches a private network. */
export async function checkWebhookUrl(field: string, url: string): Promise<string> {
  try {
    return (await destinationPolicy().check(url)).toString();
  } catch (error) {
    if (error instanceof DestinationRefusedError) throw new SubmissionError(field, `The ${field} ${error.message}.`);
    throw error;
  }
}

/**
 * The submission steps every job route shares: the Idempotency-Key header, the notify_url check, then the
 * job itself. Every refusal is a SubmissionError naming the field to fix.
 */
export async function submitFromRequest(
  store: Store,
  input: Omit<SubmitJobInput, 'idempotencyKey' | 'notifyUrl'> & { idempotencyHeader: string | string[] | undefined; notifyUrl?: string | null },
): Promise<SubmittedJob> {
  const idempotencyKey = idempotencyKeyOf(input.idempotencyHeader);
  const notifyUrl = input.notifyUrl ? await checkWebhookUrl('notify_url', input.notifyUrl) : null;
  try {
    return await submitJob(store, { ...input, idempotencyKey, notifyUrl });
  } catch (error) {
    if (error instanceof IdempotencyConflictError) throw new SubmissionError('Idempotency-Key', error.message);
    throw error;
  }
}
