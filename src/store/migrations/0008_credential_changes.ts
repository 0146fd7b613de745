// A generation counter that every change to what authentication reads moves, in the same transaction as
// the change (triggers, so no code path or operator's SQL can forget it): processes keep authenticated
// keys in memory and check the counter on every request (repositories/credential-changes.ts).
// Touching `last_used_at` is not such a change.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from './helpers.js';

/** The columns authentication reads (repositories/keys.ts, findActiveKeyByHash). */
const KEY_COLUMNS = 'key_hash, account_id, revoked_at';
const ACCOUNT_COLUMNS = 'id, email, organisation_id, plan_type, api_enabled, rate_limit';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('credential_changes')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('generation', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into credential_changes (id, generation) values (1, 0)`.execute(db);
  const bump = 'update credential_changes set generation = generation + 1 where id = 1';
  const triggers: Array<[name: string, event: string, table: string]> = [
    ['api_keys_changed', `update of ${KEY_COLUMNS}`, 'api_keys'],
    ['api_keys_deleted', 'delete', 'api_keys'],
    ['accounts_changed', `update of ${ACCOUNT_COLUMNS}`, 'accounts'],
    ['accounts_deleted', 'delete', 'accounts'],
  ];
  if (await isPostgres(db)) {
    await sql.raw(`create function bump_credential_generation() returns trigger language plpgsql as $$ begin ${bump}; return null; end $$`).execute(db);
    for (const [name, event, table] of triggers) {
      await sql.raw(`create trigger ${name} after ${event} on ${table} for each statement execute function bump_credential_generation()`).execute(db);
    }
  } else {
    for (const [name, event, table] of triggers) await sql.raw(`create trigger ${name} after ${event} on ${table} begin ${bump}; end`).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name, table] of [
    ['api_keys_changed', 'api_keys'],
    ['api_keys_deleted', 'api_keys'],
    ['accounts_changed', 'accounts'],
    ['accounts_deleted', 'accounts'],
  ]) {
    await sql.raw(`drop trigger if exists ${name}${(await isPostgres(db)) ? ` on ${table}` : ''}`).execute(db);
  }
  if (await isPostgres(db)) await sql`drop function if exists bump_credential_generation()`.execute(db);
  await db.schema.dropTable('credential_changes').execute();
}
