// Stored valuation answers: one row per success or no-value, readable again by the account that asked.
import type { Kysely, Selectable } from 'kysely';
import type { ValuationOutcome } from '../../engine/types.js';
import type { Database } from '../schema.js';
import type { ValuationsTable } from '../tables/valuations.js';

export type ValuationRow = Selectable<ValuationsTable>;

export interface NewValuation {
  accountId: number;
  source: string;
  marketId: string;
  property: { id: number; uprn: string | null; address: string | null; postcode: string | null } | null;
  outcome: ValuationOutcome;
  request: unknown;
  response: unknown;
  now: string;
}

export async function insertValuation(db: Kysely<Database>, v: NewValuation): Promise<number> {
  const success = v.outcome.status === 'success' ? v.outcome : null;
  const row = await db
    .insertInto('valuations')
    .values({
      account_id: v.accountId,
      source: v.source,
      market_id: v.marketId,
      property_id: v.property?.id ?? null,
      uprn: v.property?.uprn ?? null,
      address: v.property?.address ?? null,
      postcode: v.property?.postcode ?? null,
      status: v.outcome.status,
      predicted_value: success ? Math.round(success.value) : null,
      confidence_level: success ? Math.round(success.confidenceLevel) : null,
      tier: success ? success.tier.tier : null,
      model_version: v.outcome.modelVersion,
      request: JSON.stringify(v.request ?? null),
      response: JSON.stringify(v.response ?? null),
      created_at: v.now,
      completed_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The valuation if it belongs to the account; another account's id reads as absent. */
export async function findAccountValuation(db: Kysely<Database>, accountId: number, id: number): Promise<ValuationRow | undefined> {
  return db.selectFrom('valuations').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
}
