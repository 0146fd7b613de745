// Hot-path queries built and compiled once per database, then run with new parameters. Building and
// compiling a Kysely query costs several times more than SQLite takes to run it; the API's valuation path
// runs about a dozen small queries per request. The query is still written with Kysely (typed); only its
// compiled text is reused.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

type Primitive = string | number | null;

interface Shape {
  sql: string;
  /** For each parameter: the argument index it takes, or -1 to keep the constant found at compile time. */
  slots: number[];
  constants: unknown[];
}

const SENTINEL = '\u0000valora-arg-';

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
      shape = { sql: compiled.sql, slots, constants: [...compiled.parameters] };
      shapes.set(key, shape);
    }
    const parameters = shape.slots.map((slot, i) => (slot >= 0 ? args[slot] : shape!.constants[i]));
    const result = await db.executeQuery<Row>(CompiledQuery.raw(shape.sql, parameters));
    return result.rows;
  };
}
