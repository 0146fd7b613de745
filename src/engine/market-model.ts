// A trained market model as saved (MarketModelArtifact, deterministic JSON) and as loaded for valuing
// (MarketModel: the parsed trees and index, ready to use).
import { GbdtModel, type GbdtParams } from './gbdt/index.js';
import { inputsOfModel, type ModelInputs } from './model-inputs.js';
import { PriceIndex, type PriceIndexData } from './price-index.js';
import type { FeatureSpec } from './types.js';

export const MARKET_MODEL_FORMAT = 'valora-market-model';
export const MARKET_MODEL_FORMAT_VERSION = 1;

export interface CalibrationReport {
  /** Sales the confidence model was fitted and calibrated on (valued out of time). */
  sales: number;
  from: string;
  to: string;
  /** True when there were too few later sales and a random holdout was used instead. */
  randomHoldout: boolean;
  mdape: number;
  fsdWithin1: number;
  range90Coverage: number;
}

export interface TrainingSettings {
  seed: number;
  value: GbdtParams;
  confidence: GbdtParams;
  /** Boosting rounds of the final model (from early stopping on the most recent sales). */
  rounds: number;
  recencyHalfLifeYears: number;
  outlierMads: number;
  calibrationMonths: number;
  /** Months of the index whose slope extends it past its last month. */
  trendMonths: number;
}

export interface MarketModelArtifact {
  format: typeof MARKET_MODEL_FORMAT;
  formatVersion: number;
  marketId: string;
  modelVersion: string;
  /** Only sales on or before this day were used (ISO date). */
  trainedUntil: string;
  /** SHA-256 of the training sales, the market features and the settings. */
  dataFingerprint: string;
  trainingSales: number;
  excludedOutliers: number;
  settings: TrainingSettings;
  inputs: FeatureSpec[];
  index: PriceIndexData;
  valueModel: string;
  confidenceModel: string;
  fsdScale: number;
  calibration: CalibrationReport;
}

export class MarketModel {
  readonly index: PriceIndex;
  readonly value: GbdtModel;
  readonly confidence: GbdtModel;
  readonly trainedUntilDay: number;
  readonly inputs: ModelInputs;

  constructor(readonly artifact: MarketModelArtifact, trainedUntilDay: number) {
    this.inputs = inputsOfModel(artifact.inputs);
    this.index = new PriceIndex(artifact.index);
    this.value = GbdtModel.deserialize(artifact.valueModel);
    this.confidence = GbdtModel.deserialize(artifact.confidenceModel);
    this.trainedUntilDay = trainedUntilDay;
  }

  get version(): string {
    return this.artifact.modelVersion;
  }
}

/** The saved form. Keys are written in a fixed order, so equal models give byte-identical files. */
export function serializeMarketModel(artifact: MarketModelArtifact): string {
  return JSON.stringify(artifact);
}

export function parseMarketModel(text: string): MarketModelArtifact {
  const data = JSON.parse(text) as MarketModelArtifact;
  if (data.format !== MARKET_MODEL_FORMAT) throw new Error(`not a Valora market model (format '${String(data.format)}')`);
  if (data.formatVersion !== MARKET_MODEL_FORMAT_VERSION) throw new Error(`unsupported market model format version ${data.formatVersion}`);
  return data;
}
