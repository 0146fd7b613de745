// Averaging boosted models trained on the same data with different seeds: one forest holding every
// member's trees with their leaf values divided by the member count, so that prediction, TreeSHAP (which is
// additive over trees) and the saved format stay those of a single model.
import { GbdtModel } from './model.js';
import type { TreeRecord } from './tree-record.js';

export function averageModels(members: GbdtModel[]): GbdtModel {
  if (members.length === 0) throw new Error('averageModels: no models to average');
  if (members.length === 1) return members[0]!;
  const docs = members.map((m) => JSON.parse(m.serialize()) as { features: GbdtModel['features']; params: GbdtModel['params']; baseScore: number; trees: TreeRecord[] });
  const names = JSON.stringify(docs[0]!.features);
  for (const doc of docs) if (JSON.stringify(doc.features) !== names) throw new Error('averageModels: the models have different features');
  const share = 1 / members.length;
  const trees = docs.flatMap((doc) => doc.trees.map((tree) => ({ ...tree, leafValue: tree.leafValue.map((v) => v * share) })));
  const baseScore = docs.reduce((sum, doc) => sum + doc.baseScore, 0) * share;
  return new GbdtModel({ features: docs[0]!.features, params: docs[0]!.params, baseScore, trees });
}
