import { Kysely, PostgresDialect, sql } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from './schema.js';
import { sendRegisteredQueriesByName } from './postgres-named-statements.js';
import { NonBlockingSqliteDialect } from './sqlite-driver.js';
import { isSqliteBusy, SQLITE_BUSY_TIMEOUT_MS } from './write-lock.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where it lives, for logs: a file path or a URL without its password. */
  location: string;
  close(): Promise<void>;
}

// PostgreSQL returns int8 (count(*), sums) as strings; every int8 we produce fits in a double.
pg.types.setTypeParser(20, (v: string) => Number(v));
// numeric (used for money sums) likewise.
pg.types.setTypeParser(1700, (v: string) => Number(v));

export interface OpenStoreOptions {
  /** postgres://… for PostgreSQL; otherwise a SQLite file path (or ':memory:'). */
  url: string;
  /** PostgreSQL schema to use (created if missing); tests use one per file. */
  schema?: string;
  poolSize?: number;
}

/**
 * The better-sqlite3 handles behind a SQLite store's root Kysely instance, for the hot path's compiled
 * queries (repositories/prepared.ts), which run synchronously instead of through Kysely's driver.
 * `writer` is Kysely's own connection: use it only while holding that connection (inside
 * `db.connection().execute`). `reader()` is a second, read-only connection opened on first use (null for
 * ':memory:'): it sees committed rows only and never waits for the writer.
 */
export interface SqliteHandles {
  writer: SQLite.Database;
  reader(): SQLite.Database | null;
  /** Closes the read-only connection if it is open (the next `reader()` opens it again). */
  closeReader(): void;
}

const sqliteHandles = new WeakMap<object, SqliteHandles>();

/** The handles behind this root Kysely instance; undefined for PostgreSQL, transactions and connections. */
export function sqliteHandlesOf(db: Kysely<Database>): SqliteHandles | undefined {
  return sqliteHandles.get(db);
}

/**
 * Takes Kysely's one SQLite connection until the returned function is called: no query of this process
 * runs on it meanwhile, so the caller may use the handle directly (sqliteHandlesOf(db).writer).
 */
export function takeSqliteConnection(db: Kysely<Database>): Promise<() => void> {
  return new Promise((taken, failed) => {
    db.connection()
      .execute(() => new Promise<void>((release) => taken(release)))
      .catch(failed);
  });
}

/** True when this Kysely instance (or transaction) talks to PostgreSQL. */
export function isPostgresDb(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter.constructor.name.startsWith('Postgres');
}

/**
 * The SQLite file stayed locked by another process for as long as opening it waits (10 s): a bulk Price
 * Paid import that has the file to itself holds it so until it commits.
 */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';

  constructor(readonly path: string) {
    super(
      `the database ${path} is locked by another process (a bulk Price Paid import keeps it until it commits): ` +
        'wait for that process to finish, then try again',
    );
  }
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (isPostgresUrl(options.url)) return openPostgres(options);
  return openSqlite(options.url);
}

/**
 * Puts the file in WAL mode, as every connection does on opening. The busy handler waits up to
 * SQLITE_BUSY_TIMEOUT_MS for a lock another process holds, but SQLite answers busy at once, without it, where
 * waiting could deadlock: processes opening a fresh file together each try to turn it to WAL, and all but
 * one are refused (seen with four processes on a loaded machine). Those are tried again until the limit.
 */
function setWalMode(database: SQLite.Database): void {
  const started = Date.now();
  for (;;) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() - started >= SQLITE_BUSY_TIMEOUT_MS) throw error;
      // Opening is synchronous: this thread has nothing else to do meanwhile.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    // WAL lets readers in other processes (workers) proceed while one writer commits.
    setWalMode(database);
  } catch (error) {
    database.close();
    if (isSqliteBusy(error)) throw new DatabaseLockedError(path);
    throw error;
  }
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  const writer = withStatementCache(database);
  // The dialect turns SQLite's busy handler off on this connection: writes wait for the lock on the event loop.
  const db = new Kysely<Database>({ dialect: new NonBlockingSqliteDialect(writer) });
  let reader: SQLite.Database | null = null;
  let closed = false;
  sqliteHandles.set(db, {
    writer,
    reader() {
      if (path === ':memory:' || closed) return null;
      if (!reader) {
        reader = new SQLite(path, { readonly: true, fileMustExist: true });
        reader.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      }
      return reader;
    },
    closeReader() {
      reader?.close();
      reader = null;
    },
  });
  return {
    db,
    dialect: 'sqlite',
    location: path,
    close: async () => {
      closed = true;
      reader?.close();
      reader = null;
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; parsing the SQL cost more than running it on the API's hot path. Kysely
 * produces the same SQL text for the same query shape (values are parameters), so prepared statements are
 * kept by text. Safe because Kysely runs one query at a time on its single SQLite connection.
 */
function withStatementCache(database: SQLite.Database, limit = 1000): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver);
      return (source: string) => {
        // A pragma that sets something acts when it is prepared, not when it is run: never reuse one.
        if (/^\s*pragma/i.test(source)) return prepare(source);
        let statement = cache.get(source);
        if (!statement) {
          statement = prepare(source);
          if (cache.size >= limit) cache.delete(cache.keys().next().value!);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}

async function openPostgres(options: OpenStoreOptions): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString: options.url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  sendRegisteredQueriesByName(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  return {
    db,
    dialect: 'postgres',
    location: redactUrl(options.url) + (schema ? ` (schema ${schema})` : ''),
    close: () => db.destroy(),
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
