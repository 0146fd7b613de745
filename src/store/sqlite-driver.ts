// A Kysely driver for a better-sqlite3 connection, with SQLite's busy handler turned off (see write-lock.ts).
// A statement outside a transaction that finds the write lock held by another connection (another
// process), the BEGIN IMMEDIATE that opens every Kysely transaction included, is tried again from a timer;
// the connection is lent to this process's other queries in between, so reads go on. Inside a transaction
// the lock is already held and statements run as usual.
//
// Kysely's own SQLite driver opens transactions with a deferred BEGIN; here they are IMMEDIATE, so a
// transaction that reads and then writes cannot fail with SQLITE_BUSY_SNAPSHOT half-way (every Kysely
// transaction in Valora writes).
import { setTimeout as sleep } from 'node:timers/promises';
import { CompiledQuery, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type DatabaseConnection, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler, type QueryResult } from 'kysely';
import type SQLite from 'better-sqlite3';
import { isSqliteBusy, SQLITE_BUSY_TIMEOUT_MS, WRITE_LOCK_RETRY_MS, WriteLockTimeoutError } from './write-lock.js';

export class NonBlockingSqliteDialect implements Dialect {
  /** `lockWaitLimitMs`: how long a write waits for the lock before WriteLockTimeoutError. */
  constructor(
    private readonly database: SQLite.Database,
    private readonly lockWaitLimitMs = SQLITE_BUSY_TIMEOUT_MS,
  ) {
    // SQLite's busy handler sleeps in this thread, stalling every request of the process while another
    // process holds the write lock; off, the lock is waited for on the event loop (here and in
    // tryWriteTransaction, which shares this connection).
    database.pragma('busy_timeout = 0');
  }

  createDriver(): Driver {
    return new NonBlockingSqliteDriver(this.database, this.lockWaitLimitMs);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/**
 * SQLite runs DDL inside a transaction like any other statement, but Kysely's adapter says it does not, so its
 * migrator ran each migration on its own, with no lock: processes starting together on a fresh file could
 * each find a migration pending and apply it twice ("duplicate column name"). Said here, the migrator reads
 * what is pending and applies it in one transaction, IMMEDIATE with this driver: one process migrates, the
 * others wait for its commit and find nothing left to do.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** SQLite has one connection here; callers take turns on it. */
class ConnectionMutex {
  #held: Promise<void> | null = null;
  #release: (() => void) | null = null;

  async lock(): Promise<void> {
    while (this.#held) await this.#held;
    this.#held = new Promise((resolve) => (this.#release = resolve));
  }

  unlock(): void {
    const release = this.#release;
    this.#held = null;
    this.#release = null;
    release?.();
  }
}

class NonBlockingSqliteDriver implements Driver {
  readonly #mutex = new ConnectionMutex();
  readonly #connection: DatabaseConnection;

  constructor(
    private readonly database: SQLite.Database,
    lockWaitLimitMs: number,
  ) {
    this.#connection = new NonBlockingSqliteConnection(database, this.#mutex, lockWaitLimitMs);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    this.database.close();
  }
}

class NonBlockingSqliteConnection implements DatabaseConnection {
  constructor(
    private readonly database: SQLite.Database,
    private readonly mutex: ConnectionMutex,
    private readonly lockWaitLimitMs: number,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.database.prepare(query.sql);
    // Inside a transaction the write lock is already ours (every transaction begins IMMEDIATE).
    if (this.database.inTransaction) return run<R>(statement, query);
    const started = Date.now();
    for (;;) {
      try {
        return run<R>(statement, query);
      } catch (error) {
        if (!isSqliteBusy(error)) throw error;
      }
      const waited = Date.now() - started;
      if (waited >= this.lockWaitLimitMs) throw new WriteLockTimeoutError(waited);
      // Nothing is open on the connection while this waits: lend it to this process's other queries.
      this.mutex.unlock();
      await sleep(WRITE_LOCK_RETRY_MS);
      await this.mutex.lock();
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const statement = this.database.prepare(query.sql);
    if (!statement.reader) throw new Error('only statements that return rows can be streamed');
    for (const row of statement.iterate(query.parameters as unknown[])) yield { rows: [row as R] };
  }
}

function run<R>(statement: SQLite.Statement, query: CompiledQuery): QueryResult<R> {
  const parameters = query.parameters as unknown[];
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}
