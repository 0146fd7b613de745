// On SQLite, the uniqueness of a sale's (market, source key) moves from a table constraint to a named
// unique index. SQLite keeps a constraint's index for as long as the table lives, so a bulk Price Paid
// import (price-paid-writer.ts), which drops the sales table's secondary indexes and builds them once at
// the end, had to insert its sales in key order to keep that one growing at one end; a named index it can
// drop and build with the others, and append the sales in file order as they are read. The table is
// rebuilt (SQLite cannot drop a constraint) from its own definition less the constraint, keeping every row,
// id and the id sequence.
// PostgreSQL is unchanged: ON CONFLICT (market_id, source_key) finds either form, and its imports keep
// their indexes.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from './helpers.js';

const KEY_CONSTRAINT = ', constraint "sales_market_source_key" unique ("market_id", "source_key")';

/** Rebuilds `sales` from the definition `change` makes of its current one, with its rows and indexes. */
async function rebuildSales(db: Kysely<unknown>, change: (definition: string) => string): Promise<void> {
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'sales'`.execute(db);
  const definition = change(table.rows[0]!.sql).replace(/^CREATE TABLE "sales"/, 'CREATE TABLE "sales_rebuilt"');
  if (!definition.startsWith('CREATE TABLE "sales_rebuilt"')) throw new Error(`migration 0011: unexpected sales table: ${table.rows[0]!.sql}`);
  await sql.raw(definition).execute(db);
  await sql`insert into sales_rebuilt select * from sales`.execute(db);
  // Deleted sales may have taken ids above the highest left: AUTOINCREMENT never gives those again.
  const sequence = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'sales'`.execute(db);
  await db.schema.dropTable('sales').execute();
  await sql`alter table sales_rebuilt rename to sales`.execute(db);
  const seq = sequence.rows[0]?.seq;
  if (seq !== undefined) await sql`update sqlite_sequence set seq = max(seq, ${seq}) where name = 'sales'`.execute(db);
  await db.schema.createIndex('sales_market_date').on('sales').columns(['market_id', 'sale_date']).execute();
  await db.schema.createIndex('sales_property').on('sales').column('property_id').execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (await isPostgres(db)) return;
  await rebuildSales(db, (definition) => {
    if (!definition.includes(KEY_CONSTRAINT)) throw new Error(`migration 0011: the sales table has no key constraint to move: ${definition}`);
    return definition.replace(KEY_CONSTRAINT, '');
  });
  await db.schema.createIndex('sales_market_source_key').unique().on('sales').columns(['market_id', 'source_key']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (await isPostgres(db)) return;
  // The index goes with the old table; the constraint comes back as the table's last clause.
  await rebuildSales(db, (definition) => definition.replace(/\)$/, `${KEY_CONSTRAINT})`));
}
