// Each valuation answered under an Idempotency-Key names its claim (and its place in a batch), so that a
// retry after a crash between the charge and the stored answer finds what was already charged and
// answers it again instead of charging it twice (services/idempotency/answer-once.ts).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable('valuations').addColumn('idempotency_claim_id', 'integer').execute();
  await db.schema.alterTable('valuations').addColumn('idempotency_item', 'integer').execute();
  // Partial: the valuations answered without a key (nearly all) add nothing to it on the hot path.
  await db.schema
    .createIndex('valuations_idempotency_claim')
    .on('valuations')
    .column('idempotency_claim_id')
    .where(sql.ref('idempotency_claim_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('valuations_idempotency_claim').execute();
  await db.schema.alterTable('valuations').dropColumn('idempotency_item').execute();
  await db.schema.alterTable('valuations').dropColumn('idempotency_claim_id').execute();
}
