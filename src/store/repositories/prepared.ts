// Hot-path queries built and compiled once per database, then run with new parameters. Building and
// compiling a Kysely query costs several times more than SQLite takes to run it; the API's valuation path
// runs about a dozen small queries per request. The query is still written with Kysely (typed); only its
// compiled text is reused.
//
// On SQLite the compiled statement also skips Kysely's driver (its connection queue and promise chain
// cost more than the statement): a read on the root instance runs synchronously on the store's read-only
// connection (committed rows, never queued behind a write transaction), and any statement on a
// connection bound with bindSqliteConnection (a write transaction the caller holds) runs synchronously on
// that connection. Everything else (PostgreSQL, writes outside a held connection) goes through Kysely.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import { isPostgresDb, sqliteHandlesOf } from '../database.js';
import { nameStatement } from '../postgres-named-statements.js';
import type { Database } from '../schema.js';

type Primitive = string | number | null;

interface Shape {
  sql: string;
  /** For each parameter: the argument index it takes, or -1 to keep the constant found at compile time. */
  slots: number[];
  constants: unknown[];
  /** A plain SELECT, safe to run on the read-only connection. */
  reads: boolean;
  statements: WeakMap<SQLite.Database, SQLite.Statement>;
}

const SENTINEL = '\u0000valora-arg-';

const boundConnections = new WeakMap<object, SQLite.Database>();

/**
 * While `fn` runs, prepared queries on `conn` (a Kysely instance bound to the one SQLite connection the
 * caller holds, from `db.connection().execute`) run synchronously on `handle`, the same connection.
 */
export async function withBoundSqliteConnection<T>(conn: Kysely<Database>, handle: SQLite.Database, fn: () => Promise<T>): Promise<T> {
  boundConnections.set(conn, handle);
  try {
    return await fn();
  } finally {
    boundConnections.delete(conn);
  }
}

/**
 * Wraps a query builder so it is compiled once per database (dialect). `build` must place each argument
 * into the query as a plain value (it is called once with stand-ins to learn where each one goes) and
 * must produce the same SQL text for any arguments.
 */
export function prepared<Args extends Primitive[], Row>(build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>) {
  const shapes = new WeakMap<object, Shape>();
  return async (db: Kysely<Database>, ...args: Args): Promise<Row[]> => {
    const key = db.getExecutor().adapter;
    let shape = shapes.get(key);
    if (!shape) {
      const standIns = args.map((_, i) => `${SENTINEL}${i}`) as Args;
      const compiled = build(db, ...standIns).compile();
      const slots = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(SENTINEL) ? Number(p.slice(SENTINEL.length)) : -1));
      const used = new Set(slots.filter((s) => s >= 0));
      if (used.size !== args.length) throw new Error(`prepared query does not use each argument as a parameter: ${compiled.sql}`);
      const reads = /^select\s/i.test(compiled.sql) && !/\sfor\s+(no\s+key\s+)?update\b/i.test(compiled.sql);
      shape = { sql: compiled.sql, slots, constants: [...compiled.parameters], reads, statements: new WeakMap() };
      if (isPostgresDb(db)) nameStatement(compiled.sql);
      shapes.set(key, shape);
    }
    const parameters = shape.slots.map((slot, i) => (slot >= 0 ? args[slot] : shape!.constants[i]));
    const handle = boundConnections.get(db) ?? (shape.reads ? sqliteHandlesOf(db)?.reader() : null);
    if (handle) {
      let statement = shape.statements.get(handle);
      if (!statement) shape.statements.set(handle, (statement = handle.prepare(shape.sql)));
      if (statement.reader) return statement.all(parameters) as Row[];
      statement.run(parameters);
      return [];
    }
    const result = await db.executeQuery<Row>(CompiledQuery.raw(shape.sql, parameters));
    return result.rows;
  };
}
