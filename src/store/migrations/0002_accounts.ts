import type { Kysely } from 'kysely';
import { DOUBLE, isPostgres, withId } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = await isPostgres(db);

  await withId(db.schema.createTable('organisations'), pg)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('accounts'), pg)
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('organisation_id', 'integer', (c) => c.references('organisations.id'))
    .addColumn('plan_type', 'text', (c) => c.notNull())
    .addColumn('api_enabled', 'integer', (c) => c.notNull())
    .addColumn('rate_limit', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('api_keys'), pg)
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_keys_account').on('api_keys').column('account_id').execute();

  await withId(db.schema.createTable('ledger_entries'), pg)
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('valuation_id', 'integer')
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // Covers SUM(amount) per holder without touching the table.
  await db.schema.createIndex('ledger_entries_holder_amount').on('ledger_entries').columns(['holder', 'amount']).execute();

  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('account_id', 'integer', (c) => c.notNull())
    .addColumn('window_start', DOUBLE, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_counters_pk', ['account_id', 'window_start'])
    .execute();

  await withId(db.schema.createTable('valuations'), pg)
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('market_id', 'text', (c) => c.notNull())
    .addColumn('property_id', 'integer')
    .addColumn('uprn', 'text')
    .addColumn('address', 'text')
    .addColumn('postcode', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('predicted_value', DOUBLE)
    .addColumn('confidence_level', DOUBLE)
    .addColumn('tier', 'integer')
    .addColumn('model_version', 'text')
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('valuations_account').on('valuations').column('account_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['valuations', 'rate_limit_counters', 'ledger_entries', 'api_keys', 'accounts', 'organisations']) {
    await db.schema.dropTable(t).execute();
  }
}
