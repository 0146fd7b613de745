import type { Kysely } from 'kysely';

// A holder's entries in id order: the balance is summed from the entries after the last ones a process has
// already summed (see sumHolderBalance), which this index finds without reading the rest.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('ledger_entries_holder_id').on('ledger_entries').columns(['holder', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('ledger_entries_holder_id').execute();
}
