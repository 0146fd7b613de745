import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './database.js';
import { migrations } from './migrations/index.js';

/**
 * Brings the schema up to date: `all` are the migrations by name (the project's own; a test passes others).
 * Safe to call from several processes at once: the migrations themselves run under a lock (PostgreSQL: Kysely's
 * lock row; SQLite: one IMMEDIATE transaction, sqlite-driver.ts), but what Kysely does before them can lose a
 * race, and is retried: it creates its bookkeeping tables (processes doing that together lose with "already
 * exists"), and on PostgreSQL its introspection lists the tables of every schema on the server, so a schema
 * dropped meanwhile by another process (another tenant, a finished test) fails it with "schema … does not
 * exist". A migration that fails is broken, and fails at once, unless it only waited too long for a lock.
 */
export async function migrateToLatest(store: Store, all: Record<string, Migration> = migrations): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => all };
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(store, provider);
    } catch (error) {
      // Retried for as long as several processes starting together on a loaded machine may keep losing
      // (five attempts were once not enough).
      const race = error instanceof MigrationFailedError && error.migrationName !== null ? LOCKED : LOST_RACE;
      if (!race.test(String(error)) || Date.now() - started >= MIGRATION_RETRY_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * attempt) + Math.random() * 50));
    }
  }
}

/** How long a process keeps retrying a migration that lost a race before it gives up. */
const MIGRATION_RETRY_MS = 30_000;

/** What losing the race to another process looks like, on SQLite and PostgreSQL, before any migration runs. */
const LOST_RACE = /already exists|does not exist|database is locked|SQLITE_BUSY|duplicate key|UNIQUE constraint|deadlock|could not serialize/i;
/** A migration that failed only for waiting on a lock. */
const LOCKED = /database is locked|SQLITE_BUSY|deadlock|could not serialize/i;

export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';

  /** `migrationName`: the migration that failed, or null when Kysely failed before running any. */
  constructor(
    readonly migrationName: string | null,
    cause: unknown,
  ) {
    super(`database migration failed${migrationName ? ` (migration ${migrationName})` : ''}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

async function migrateOnce(store: Store, provider: MigrationProvider): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one: on a PostgreSQL server
  // holding several Valora schemas (tests, tenants) it would find another schema's lock table and skip its own.
  const migrationTableSchema =
    store.dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({ db: store.db, provider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new MigrationFailedError(failed?.migrationName ?? null, error);
}
