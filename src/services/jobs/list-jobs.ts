// An account's jobs of every kind, newest first, a page at a time (GET /v1/jobs). The cursor is opaque to
// clients: the page's last job's created_at and id, which the jobs_account index orders by.
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { listAccountJobs } from '../../store/repositories/jobs.js';
import { pageOf } from '../paging/page-of.js';
import { presentJob, type JobView } from './present-job.js';

/** Jobs on a page unless asked otherwise. */
export const JOBS_PAGE = 20;

/** What a cursor looks like, for the route's schema to refuse anything else. */
export const JOB_CURSOR_PATTERN = '^(\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z)~([\\w-]{1,64})$';
const JOB_CURSOR = new RegExp(JOB_CURSOR_PATTERN);

export async function listJobs(db: Kysely<Database>, accountId: number, options: { limit?: number; before?: string } = {}): Promise<{ data: JobView[]; next_before: string | null }> {
  const limit = options.limit ?? JOBS_PAGE;
  // The route's schema admits only cursors of JOB_CURSOR_PATTERN.
  const cursor = options.before === undefined ? null : JOB_CURSOR.exec(options.before)!;
  const rows = await listAccountJobs(db, accountId, limit + 1, cursor ? { createdAt: cursor[1]!, id: cursor[2]! } : undefined);
  const { items, next } = pageOf(rows, limit, (last) => `${last.created_at}~${last.id}`);
  return { data: items.map(presentJob), next_before: next };
}
