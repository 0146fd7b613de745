import { Migrator, sql, type MigrationProvider } from 'kysely';
import type { Store } from './database.js';
import { migrations } from './migrations/index.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date. Safe to call from several processes at once: Kysely takes a lock. */
export async function migrateToLatest(store: Store): Promise<void> {
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
