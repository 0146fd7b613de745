// GET /v1/jobs/{id}/results: a page of items in input order (the order never changes, so offsets are
// stable while a job runs), as JSON objects or CSV rows with the result flattened into dotted columns.
import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { listItems, type JobItemRow, type JobRow } from '../../store/repositories/jobs.js';

export const MAX_RESULTS_PAGE = 1000;

export interface ResultItem {
  index: number;
  status: string;
  input: unknown;
  data: unknown;
  error: string | null;
}

export interface ResultsPage {
  job_id: string;
  items: ResultItem[];
  total: number;
  limit: number;
  offset: number;
  next_offset: number | null;
}

export function presentResultItem(item: JobItemRow): ResultItem {
  return {
    index: item.idx,
    status: item.status,
    input: parse(item.input),
    data: item.result === null ? null : parse(item.result),
    error: item.error,
  };
}

export async function jobResultsPage(db: Kysely<Database>, job: JobRow, limit: number, offset: number): Promise<ResultsPage> {
  const rows = await listItems(db, job.id, Math.min(limit, MAX_RESULTS_PAGE), offset);
  const next = offset + rows.length;
  return {
    job_id: job.id,
    items: rows.map(presentResultItem),
    total: job.total,
    limit,
    offset,
    next_offset: rows.length > 0 && next < job.total ? next : null,
  };
}

/** One row per item: index, status, error, then `input.*` and `data.*` columns (arrays as JSON). */
export function resultsPageCsv(page: ResultsPage): string {
  const flat = page.items.map((item) => {
    const row: Record<string, unknown> = { index: item.index, status: item.status, error: item.error ?? '' };
    flatten(item.input, 'input', row);
    flatten(item.data, 'data', row);
    return row;
  });
  const columns: string[] = ['index', 'status', 'error'];
  const seen = new Set(columns);
  for (const row of flat) for (const key of Object.keys(row)) if (!seen.has(key)) (seen.add(key), columns.push(key));
  return stringify(flat, { header: true, columns, cast: { boolean: (v) => (v ? 'true' : 'false') } });
}

function flatten(value: unknown, prefix: string, out: Record<string, unknown>): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) out[prefix] = JSON.stringify(value);
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) flatten(v, `${prefix}.${k}`, out);
  else out[prefix] = value;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
