import { Migrator, sql, type MigrationProvider } from 'kysely';
import type { Store } from './database.js';
import { migrations } from './migrations/index.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Brings the schema up to date. Safe to call from several processes at once. A failed attempt is retried:
 * on SQLite the migrations run in one IMMEDIATE transaction (sqlite-driver.ts), but Kysely creates its own
 * bookkeeping tables before it, and processes doing that together lose with "already exists"; on PostgreSQL
 * Kysely's introspection lists the tables of every schema on the
 * server, so a schema dropped meanwhile by another process (another tenant, a finished test) fails it
 * with "schema … does not exist". Each attempt is one transaction; the retry finds the work done or does it.
 */
export async function migrateToLatest(store: Store): Promise<void> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(store);
    } catch (error) {
      // Only a lost race is retried, for as long as several processes starting together on a loaded
      // machine may keep losing it (five attempts were once not enough); a broken migration fails at once.
      if (!LOST_RACE.test(String(error)) || Date.now() - started >= MIGRATION_RETRY_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * attempt) + Math.random() * 50));
    }
  }
}

/** How long a process keeps retrying a migration that lost a race before it gives up. */
const MIGRATION_RETRY_MS = 30_000;

/** What losing the race to another process looks like, on SQLite and PostgreSQL. */
const LOST_RACE = /already exists|does not exist|database is locked|SQLITE_BUSY|duplicate key|UNIQUE constraint|deadlock|could not serialize/i;

async function migrateOnce(store: Store): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one: on a PostgreSQL server
  // holding several Valora schemas (tests, tenants) it would find another schema's lock table and skip its own.
  const migrationTableSchema =
    store.dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({ db: store.db, provider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const detail = failed ? ` (migration ${failed.migrationName})` : '';
    throw new Error(`database migration failed${detail}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
