import type { Kysely } from 'kysely';
import { DOUBLE } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('uk_postcodes')
    .addColumn('postcode_key', 'text', (c) => c.primaryKey())
    .addColumn('postcode', 'text', (c) => c.notNull())
    .addColumn('latitude', DOUBLE, (c) => c.notNull())
    .addColumn('longitude', DOUBLE, (c) => c.notNull())
    .addColumn('easting', DOUBLE)
    .addColumn('northing', DOUBLE)
    .addColumn('quality', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('uk_uprns')
    .addColumn('uprn', 'text', (c) => c.primaryKey())
    .addColumn('latitude', DOUBLE, (c) => c.notNull())
    .addColumn('longitude', DOUBLE, (c) => c.notNull())
    .addColumn('easting', DOUBLE)
    .addColumn('northing', DOUBLE)
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('uk_epc_certificates')
    .addColumn('market_id', 'text', (c) => c.notNull().references('markets.id').onDelete('cascade'))
    .addColumn('lmk_key', 'text', (c) => c.notNull())
    .addColumn('uprn', 'text')
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('postcode', 'text')
    .addColumn('postcode_key', 'text')
    .addColumn('address_key', 'text', (c) => c.notNull())
    .addColumn('lodgement_date', 'text', (c) => c.notNull())
    .addColumn('inspection_date', 'text')
    .addColumn('floor_area', DOUBLE)
    .addColumn('habitable_rooms', 'integer')
    .addColumn('property_type', 'text')
    .addColumn('built_form', 'text')
    .addColumn('construction_period', 'text')
    .addColumn('energy_rating', 'text')
    .addColumn('tenure', 'text')
    .addColumn('property_id', 'integer', (c) => c.references('properties.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('uk_epc_certificates_pk', ['market_id', 'lmk_key'])
    .execute();
  await db.schema.createIndex('uk_epc_certificates_property').on('uk_epc_certificates').column('property_id').execute();

  await db.schema
    .createTable('uk_import_progress')
    .addColumn('market_id', 'text', (c) => c.notNull().references('markets.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('offset', 'bigint', (c) => c.notNull())
    .addColumn('line', 'bigint', (c) => c.notNull())
    .addColumn('done', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('uk_import_progress_pk', ['market_id', 'kind', 'fingerprint'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['uk_import_progress', 'uk_epc_certificates', 'uk_uprns', 'uk_postcodes']) await db.schema.dropTable(t).execute();
}
