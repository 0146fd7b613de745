// The credential generation (migration 0008): moves whenever a key or an account changes in a way that
// matters to authentication, by trigger, in the changing transaction.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { prepared } from './prepared.js';

const generation = prepared((db, id: number) => db.selectFrom('credential_changes').select('generation').where('id', '=', id));

/** The current generation, as committed (on SQLite read on the read-only connection: a few microseconds). */
export async function readCredentialGeneration(db: Kysely<Database>): Promise<number> {
  const row = (await generation(db, 1))[0];
  return row ? Number(row.generation) : 0;
}
