import { Migrator, type MigrationProvider } from 'kysely';
import type { Store } from './database.js';
import { migrations } from './migrations/index.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date. Safe to call from several processes at once: Kysely takes a lock. */
export async function migrateToLatest(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const detail = failed ? ` (migration ${failed.migrationName})` : '';
    throw new Error(`database migration failed${detail}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
