// POST /v1/jobs/{id}/cancel: a queued or running job becomes `aborted`; its unfinished items are closed
// uncharged. A worker busy with the job notices at its next chunk (its lease check fails) and writes nothing.
import type { Store } from '../../store/database.js';
import { findAccountJob, type JobRow } from '../../store/repositories/jobs.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import { finishJobAndNotify } from './finish-job.js';
import { nudgeWebhooks } from './job-signals.js';

export type CancelResult = { outcome: 'aborted'; job: JobRow } | { outcome: 'already_finished'; job: JobRow } | { outcome: 'not_found' };

export async function cancelJob(store: Store, accountId: number, jobId: string): Promise<CancelResult> {
  const finished = await writeTransaction(store, (trx) =>
    finishJobAndNotify(trx, jobId, 'aborted', { accountId, error: 'Cancelled by the client' }),
  );
  if (finished) {
    nudgeWebhooks();
    return { outcome: 'aborted', job: finished };
  }
  // The transition applies to any queued or running job of the account, so if it did not apply the job is
  // either not this account's or already terminal.
  const job = await findAccountJob(store.db, jobId, accountId);
  return job ? { outcome: 'already_finished', job } : { outcome: 'not_found' };
}
