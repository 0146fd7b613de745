// On SQLite, the uniqueness of a sale's (market, source key) moves from a table constraint to a named
// unique index. SQLite keeps a constraint's index for as long as the table lives, so a bulk Price Paid
// import (price-paid-writer.ts), which drops the sales table's secondary indexes and builds them once at
// the end, had to insert its sales in key order to keep that one growing at one end; a named index it can
// drop and build with the others, and append the sales in file order as they are read. The table is
// rebuilt (SQLite cannot drop a constraint), keeping every row, id and the id sequence.
// PostgreSQL is unchanged: ON CONFLICT (market_id, source_key) finds either form, and its imports keep
// their indexes.
import { sql, type Kysely } from 'kysely';
import { DOUBLE, isPostgres } from './helpers.js';

async function rebuildSales(db: Kysely<unknown>, keyConstraint: boolean): Promise<void> {
  await db.schema
    .createTable('sales_rebuilt')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('market_id', 'text', (c) => c.notNull().references('markets.id').onDelete('cascade'))
    .addColumn('property_id', 'integer', (c) => c.notNull().references('properties.id').onDelete('cascade'))
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('sale_date', 'text', (c) => c.notNull())
    .addColumn('price', DOUBLE, (c) => c.notNull())
    .addColumn('is_market', 'integer', (c) => c.notNull())
    .addColumn('non_market_reason', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .$call((t) => (keyConstraint ? t.addUniqueConstraint('sales_market_source_key', ['market_id', 'source_key']) : t))
    .execute();
  await sql`insert into sales_rebuilt select id, market_id, property_id, source_key, sale_date, price, is_market, non_market_reason, attributes, created_at from sales`.execute(db);
  // Deleted sales may have taken ids above the highest left: AUTOINCREMENT never gives those again.
  const sequence = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'sales'`.execute(db);
  await db.schema.dropTable('sales').execute();
  await sql`alter table sales_rebuilt rename to sales`.execute(db);
  const seq = sequence.rows[0]?.seq;
  if (seq !== undefined) await sql`update sqlite_sequence set seq = max(seq, ${seq}) where name = 'sales'`.execute(db);
  if (!keyConstraint) await db.schema.createIndex('sales_market_source_key').unique().on('sales').columns(['market_id', 'source_key']).execute();
  await db.schema.createIndex('sales_market_date').on('sales').columns(['market_id', 'sale_date']).execute();
  await db.schema.createIndex('sales_property').on('sales').column('property_id').execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(await isPostgres(db))) await rebuildSales(db, false);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(await isPostgres(db))) await rebuildSales(db, true);
}
