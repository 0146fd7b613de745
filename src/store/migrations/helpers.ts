import type { CreateTableBuilder, Kysely } from 'kysely';
import { sql } from 'kysely';

/** Whether a migration runs on PostgreSQL; the few types that differ are chosen with it. */
export async function isPostgres(db: Kysely<unknown>): Promise<boolean> {
  // The adapter class name is the one dialect fact Kysely exposes to a migration.
  return db.getExecutor().adapter.constructor.name.startsWith('Postgres');
}

/** An integer identity primary key named `id` on either dialect. */
export function withId<T extends string>(builder: CreateTableBuilder<T, never>, postgres: boolean): CreateTableBuilder<T, 'id'> {
  return postgres
    ? builder.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : builder.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/** A column type for large text/blobs: text works on both. Double precision for real numbers. */
export const DOUBLE = sql`double precision`;
