// SQL for trained market models. Several models (vintages with different training cutoffs) can be active
// for one market: a valuation uses the newest trained only on sales before its date.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface SavedModel {
  id: number;
  marketId: string;
  modelVersion: string;
  trainedUntil: string;
  dataFingerprint: string;
  content: string;
  createdAt: string;
}

export async function saveModel(db: Kysely<Database>, model: Omit<SavedModel, 'id' | 'createdAt'>): Promise<number> {
  // The same version (same data, settings and seed) is the same model: keep one row, reactivate it.
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('models').select('id').where('market_id', '=', model.marketId).where('model_version', '=', model.modelVersion).executeTakeFirst();
    if (existing) {
      await trx.updateTable('models').set({ active: 1, content: model.content }).where('id', '=', existing.id).execute();
      return existing.id;
    }
    const row = await trx
      .insertInto('models')
      .values({
        market_id: model.marketId,
        model_version: model.modelVersion,
        trained_until: model.trainedUntil,
        data_fingerprint: model.dataFingerprint,
        content: model.content,
        active: 1,
        created_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** Active models of a market, oldest training cutoff first. */
export async function listActiveModels(db: Kysely<Database>, marketId: string): Promise<SavedModel[]> {
  const rows = await db.selectFrom('models').selectAll().where('market_id', '=', marketId).where('active', '=', 1).orderBy('trained_until').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, marketId: r.market_id, modelVersion: r.model_version, trainedUntil: r.trained_until, dataFingerprint: r.data_fingerprint, content: r.content, createdAt: r.created_at }));
}

/** Retires every active model of the market trained with the same cutoff (a retrain replaces them). */
export async function deactivateModelsWithCutoff(db: Kysely<Database>, marketId: string, trainedUntil: string, keepVersion: string): Promise<void> {
  await db.updateTable('models').set({ active: 0 }).where('market_id', '=', marketId).where('trained_until', '=', trainedUntil).where('model_version', '!=', keepVersion).execute();
}

/** Retires one saved model (e.g. written by an older engine whose format this one cannot read). */
export async function deactivateModel(db: Kysely<Database>, id: number): Promise<void> {
  await db.updateTable('models').set({ active: 0 }).where('id', '=', id).execute();
}
