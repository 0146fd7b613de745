// Stored valuation answers: one row per success or no-value, readable again by the account that asked.
import { sql, type Kysely, type Selectable } from 'kysely';
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

/** A valuation's stored values, in the order valuationRow names them. */
function valuationValues(v: NewValuation) {
  const success = v.outcome.status === 'success' ? v.outcome : null;
  return [
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
  ] as [number, string, string, number | null, string | null, string | null, string | null, string, number | null, number | null, number | null, string | null, string, string, string, string, number | null, number | null];
}

type ValuationValues = ReturnType<typeof valuationValues>;

/** The row for the values (the prepared statement calls it with stand-ins to learn where each one goes). */
function valuationRow(values: ValuationValues) {
  const [accountId, source, marketId, propertyId, uprn, address, postcode, status, predictedValue, confidenceLevel, tier, modelVersion, request, response, createdAt, completedAt, claimId, item] = values;
  return {
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
    idempotency_claim_id: claimId,
    idempotency_item: item,
  };
}

const insert = prepared((db, ...values: ValuationValues) => db.insertInto('valuations').values(valuationRow(values)).returning('id'));

export async function insertValuation(db: Kysely<Database>, v: NewValuation): Promise<number> {
  const rows = await insert(db, ...valuationValues(v));
  return rows[0]!.id;
}

/**
 * PostgreSQL: several valuations in two round trips instead of one each. Their ids are drawn from the
 * table's identity sequence first, so each id is known to be its valuation's (the order of RETURNING rows
 * is not one PostgreSQL promises), then the rows go as one statement. Ids in the order given.
 */
export async function insertValuationsOnPostgres(db: Kysely<Database>, vs: readonly NewValuation[]): Promise<number[]> {
  if (vs.length === 0) return [];
  const drawn = await sql<{ id: number }>`select nextval(pg_get_serial_sequence('valuations', 'id')) as id from generate_series(1, ${vs.length})`.execute(db);
  const ids = drawn.rows.map((r) => Number(r.id)).sort((x, y) => x - y);
  await db
    .insertInto('valuations')
    .values(vs.map((v, i) => ({ id: ids[i]!, ...valuationRow(valuationValues(v)) })))
    .execute();
  return ids;
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
