import type { Kysely } from 'kysely';
import { DOUBLE, isPostgres, withId } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = await isPostgres(db);
  await db.schema
    .createTable('markets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('properties'), pg)
    .addColumn('market_id', 'text', (c) => c.notNull().references('markets.id').onDelete('cascade'))
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('uprn', 'text')
    .addColumn('address', 'text')
    .addColumn('postcode', 'text')
    .addColumn('postcode_key', 'text')
    .addColumn('latitude', DOUBLE, (c) => c.notNull())
    .addColumn('longitude', DOUBLE, (c) => c.notNull())
    .addColumn('property_type', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('properties_market_source_key', ['market_id', 'source_key'])
    .execute();
  await db.schema.createIndex('properties_uprn').on('properties').column('uprn').execute();
  await db.schema.createIndex('properties_postcode_key').on('properties').columns(['postcode_key']).execute();

  await withId(db.schema.createTable('sales'), pg)
    .addColumn('market_id', 'text', (c) => c.notNull().references('markets.id').onDelete('cascade'))
    .addColumn('property_id', 'integer', (c) => c.notNull().references('properties.id').onDelete('cascade'))
    .addColumn('source_key', 'text', (c) => c.notNull())
    .addColumn('sale_date', 'text', (c) => c.notNull())
    .addColumn('price', DOUBLE, (c) => c.notNull())
    .addColumn('is_market', 'integer', (c) => c.notNull())
    .addColumn('non_market_reason', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('sales_market_source_key', ['market_id', 'source_key'])
    .execute();
  await db.schema.createIndex('sales_market_date').on('sales').columns(['market_id', 'sale_date']).execute();
  await db.schema.createIndex('sales_property').on('sales').column('property_id').execute();

  await withId(db.schema.createTable('models'), pg)
    .addColumn('market_id', 'text', (c) => c.notNull().references('markets.id').onDelete('cascade'))
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('trained_until', 'text', (c) => c.notNull())
    .addColumn('data_fingerprint', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('models_market_version', ['market_id', 'model_version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['models', 'sales', 'properties', 'markets']) await db.schema.dropTable(t).execute();
}
