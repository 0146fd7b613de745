// Every storage test runs against each target: a fresh SQLite file, and a fresh PostgreSQL schema when
// TEST_DATABASE_URL is set. Nothing is mocked: these are the real engines the product runs on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  /** The URL a separate process (a server, a worker) would be given to reach the same database. */
  url: string;
  /** PostgreSQL schema of this target (undefined on SQLite). */
  schema?: string;
  /** Opens a new connection to this target's database, migrated. */
  open(): Promise<Store>;
  /** Drops the database or schema. */
  destroy(): Promise<void>;
}

export function storeTargetNames(): Array<'sqlite' | 'postgres'> {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export async function createStoreTarget(name: 'sqlite' | 'postgres'): Promise<StoreTarget> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'valora-test-'));
    const url = join(dir, 'valora.sqlite');
    return {
      name,
      url,
      async open() {
        const store = await openStore({ url });
        await migrateToLatest(store);
        return store;
      },
      async destroy() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    name,
    url: base,
    schema,
    async open() {
      const store = await openStore({ url: base, schema });
      await migrateToLatest(store);
      return store;
    },
    async destroy() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Convenience for a test file: one migrated store per target, destroyed after. */
export async function withStore<T>(name: 'sqlite' | 'postgres', fn: (store: Store, target: StoreTarget) => Promise<T>): Promise<T> {
  const target = await createStoreTarget(name);
  const store = await target.open();
  try {
    return await fn(store, target);
  } finally {
    await store.close();
    await target.destroy();
  }
}
