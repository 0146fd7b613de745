// Valora's gradient-boosted trees: histogram-based leaf-wise learning (after LightGBM) and exact TreeSHAP.
export { defaultGbdtParams, resolveGbdtParams, type GbdtParams } from './params.js';
export type { TrainingData } from './training-data.js';
export { trainGbdt } from './train-gbdt.js';
export { trainGbdtInWorker } from './train-gbdt-in-worker.js';
export { GbdtModel } from './model.js';
