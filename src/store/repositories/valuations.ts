// Stored valuation answers: one row per success or no-value, readable again by the account that asked.
import type { Kysely, Selectable } from 'kysely';
import type { ValuationOutcome } from '../../engine/types.js';
import type { Database } from '../schema.js';
import type { ValuationsTable } from '../tables/valuations.js';
import { prepared } from './prepared.js';

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
  /** The Idempotency-Key claim the request is answered under, and the item's index in its batch (0 alone). */
  idempotency?: { claimId: number; item: number } | null;
}

const insert = prepared(
  (
    db,
    accountId: number,
    source: string,
    marketId: string,
    propertyId: number | null,
    uprn: string | null,
    address: string | null,
    postcode: string | null,
    status: string,
    predictedValue: number | null,
    confidenceLevel: number | null,
    tier: number | null,
    modelVersion: string | null,
    request: string,
    response: string,
    createdAt: string,
    completedAt: string,
    idempotencyClaimId: number | null,
    idempotencyItem: number | null,
  ) =>
    db
      .insertInto('valuations')
      .values({
        account_id: accountId,
        source,
        market_id: marketId,
        property_id: propertyId,
        uprn,
        address,
        postcode,
        status,
        predicted_value: predictedValue,
        confidence_level: confidenceLevel,
        tier,
        model_version: modelVersion,
        request,
        response,
        created_at: createdAt,
        completed_at: completedAt,
        idempotency_claim_id: idempotencyClaimId,
        idempotency_item: idempotencyItem,
      })
      .returning('id'),
);

export async function insertValuation(db: Kysely<Database>, v: NewValuation): Promise<number> {
  const success = v.outcome.status === 'success' ? v.outcome : null;
  const rows = await insert(
    db,
    v.accountId,
    v.source,
    v.marketId,
    v.property?.id ?? null,
    v.property?.uprn ?? null,
    v.property?.address ?? null,
    v.property?.postcode ?? null,
    v.outcome.status,
    success ? Math.round(success.value) : null,
    success ? Math.round(success.confidenceLevel) : null,
    success ? success.tier.tier : null,
    v.outcome.modelVersion,
    JSON.stringify(v.request ?? null),
    JSON.stringify(v.response ?? null),
    v.now,
    new Date().toISOString(),
    v.idempotency?.claimId ?? null,
    v.idempotency?.item ?? null,
  );
  return rows[0]!.id;
}

/** The valuation if it belongs to the account; another account's id reads as absent. */
export async function findAccountValuation(db: Kysely<Database>, accountId: number, id: number): Promise<ValuationRow | undefined> {
  return db.selectFrom('valuations').selectAll().where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
}

const salesOfProperty = prepared((db, propertyId: number) => db.selectFrom('sales').select(['id', 'sale_date', 'price']).where('property_id', '=', propertyId));

/**
 * The property's latest sale strictly before the date (YYYY-MM-DD; the latest id among same-day sales),
 * shown as `last_sale` with a valuation. Picked here from the property's few sales rather than with ORDER BY:
 * with only a property_id index, SQLite sorts them in a temporary b-tree on every request, which cost more
 * than the lookup itself.
 */
export async function findLastSaleBefore(db: Kysely<Database>, propertyId: number, beforeDate: string): Promise<{ sale_date: string; price: number } | undefined> {
  let last: { id: number; sale_date: string; price: number } | undefined;
  for (const sale of await salesOfProperty(db, propertyId)) {
    if (sale.sale_date >= beforeDate) continue;
    if (!last || sale.sale_date > last.sale_date || (sale.sale_date === last.sale_date && sale.id > last.id)) last = sale;
  }
  return last && { sale_date: last.sale_date, price: last.price };
}
