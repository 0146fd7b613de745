// SQL for the markets table. A market's MarketConfig is stored as JSON text; callers get it parsed.
import type { Kysely } from 'kysely';
import type { MarketConfig } from '../../engine/types.js';
import type { Database } from '../schema.js';

export interface MarketRecord {
  id: string;
  name: string;
  config: MarketConfig;
  createdAt: string;
  updatedAt: string;
}

export async function findMarket(db: Kysely<Database>, id: string): Promise<MarketRecord | undefined> {
  const row = await db.selectFrom('markets').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

export async function listMarketIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('markets').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

export interface MarketListing extends MarketRecord {
  sales: number;
  marketSales: number;
  firstSaleDate: string | null;
  lastSaleDate: string | null;
}

export async function listMarketsWithCounts(db: Kysely<Database>): Promise<MarketListing[]> {
  const markets = await db.selectFrom('markets').selectAll().orderBy('id').execute();
  const counts = await db
    .selectFrom('sales')
    .select((eb) => [
      'market_id',
      eb.fn.countAll<number>().as('sales'),
      eb.fn.sum<number>('is_market').as('market_sales'),
      eb.fn.min('sale_date').as('first'),
      eb.fn.max('sale_date').as('last'),
    ])
    .groupBy('market_id')
    .execute();
  const byMarket = new Map(counts.map((c) => [c.market_id, c]));
  return markets.map((m) => {
    const c = byMarket.get(m.id);
    return {
      ...toRecord(m),
      sales: Number(c?.sales ?? 0),
      marketSales: Number(c?.market_sales ?? 0),
      firstSaleDate: c?.first ?? null,
      lastSaleDate: c?.last ?? null,
    };
  });
}

/** Creates the market unless one with its id exists; true when this call created it. */
export async function insertMarketIfAbsent(db: Kysely<Database>, config: MarketConfig): Promise<boolean> {
  const now = new Date().toISOString();
  const result = await db
    .insertInto('markets')
    .values({ id: config.id, name: config.name, config: JSON.stringify(config), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Marks the market as being written (its updated_at). A write as the first statement of a transaction takes
 * the write lock up front; false when there is no such market.
 */
export async function touchMarket(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.updateTable('markets').set({ updated_at: new Date().toISOString() }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function updateMarketConfig(db: Kysely<Database>, config: MarketConfig): Promise<void> {
  await db
    .updateTable('markets')
    .set({ name: config.name, config: JSON.stringify(config), updated_at: new Date().toISOString() })
    .where('id', '=', config.id)
    .execute();
}

function toRecord(row: { id: string; name: string; config: string; created_at: string; updated_at: string }): MarketRecord {
  return { id: row.id, name: row.name, config: JSON.parse(row.config) as MarketConfig, createdAt: row.created_at, updatedAt: row.updated_at };
}
