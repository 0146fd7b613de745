// A trained market model as saved (MarketModelArtifact, deterministic JSON) and as loaded for valuing
// (MarketModel: the parsed trees and index, ready to use).
import { GbdtModel, type GbdtParams } from './gbdt/index.js';
import { frameColumnsForModel, inputsOfModel, type ModelInputs } from './model-inputs.js';
import { IndexNowcast, type NowcastSettings } from './nowcast.js';
import { PriceIndex, type PriceIndexData } from './price-index.js';
import type { FeatureSpec, MarketConfig, SalesFrame } from './types.js';

export const MARKET_MODEL_FORMAT = 'valora-market-model';
// 2: the value target (price or price per area), the nowcast settings.
export const MARKET_MODEL_FORMAT_VERSION = 2;

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
  /** Boosting rounds of the final model, all members together (from early stopping on the most recent sales). */
  rounds: number;
  /** Seeded value models averaged into the final one (absent in models trained before ensembles: 1). */
  ensembleMembers?: number;
  recencyHalfLifeYears: number;
  outlierMads: number;
  /** The value model's Huber threshold, in robust residual spreads (absent in models trained before it). */
  huberSpreads?: number;
  calibrationMonths: number;
  /** Months of the index whose slope extends it past its last month. */
  trendMonths: number;
  nowcast: NowcastSettings;
}

/**
 * What the value model predicts: the log price, or the log price per unit of floor area (the prediction
 * then adds the subject's log area, or the training median when the subject's area is unknown).
 */
export interface TargetDefinition {
  kind: 'log_price' | 'log_price_per_area';
  /** Position of floor_area in the inputs (-1 for log_price). */
  areaFeature: number;
  medianLogArea: number;
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
  target: TargetDefinition;
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
  /** Updated from the market's sales after the cutoff; empty until attachNowcast. */
  nowcast: IndexNowcast = IndexNowcast.empty();

  constructor(readonly artifact: MarketModelArtifact, trainedUntilDay: number) {
    this.inputs = inputsOfModel(artifact.inputs);
    this.index = new PriceIndex(artifact.index);
    this.value = GbdtModel.deserialize(artifact.valueModel);
    this.confidence = GbdtModel.deserialize(artifact.confidenceModel);
    this.trainedUntilDay = trainedUntilDay;
  }

  /** The target's offset for an input row: log area (or the training median) when modelling per area. */
  offset(x: ArrayLike<number>): number {
    const t = this.artifact.target;
    if (t.kind !== 'log_price_per_area') return 0;
    const area = x[t.areaFeature]!;
    return area > 0 ? Math.log(area) : t.medianLogArea;
  }

  /** Log value at the index's reference month (before the index and the nowcast). */
  predictLog(x: ArrayLike<number>): number {
    return this.value.predictRow(x) + this.offset(x);
  }

  /** predictLog(x), and the value model's TreeSHAP values of x in out, from one pass over the trees. */
  predictAndExplainLog(x: ArrayLike<number>, out: Float64Array): number {
    return this.value.predictAndExplain(x, out) + this.offset(x);
  }

  get version(): string {
    return this.artifact.modelVersion;
  }

  /** Residuals of this model on the market sales after its cutoff feed its nowcast. */
  attachNowcast(frame: SalesFrame, config: MarketConfig): void {
    const rows: number[] = [];
    for (let i = 0; i < frame.count; i++) if (frame.isMarket[i] === 1 && frame.day[i]! > this.trainedUntilDay && frame.price[i]! > 0) rows.push(i);
    if (rows.length === 0) {
      this.nowcast = IndexNowcast.empty();
      return;
    }
    const columns = frameColumnsForModel(frame, config, this.inputs, rows);
    const predicted = this.value.predictColumns(columns, rows.length);
    const t = this.artifact.target;
    const days = rows.map((i) => frame.day[i]!);
    const residuals = rows.map((i, k) => {
      const area = t.kind === 'log_price_per_area' ? columns[t.areaFeature]![k]! : NaN;
      const offset = t.kind !== 'log_price_per_area' ? 0 : area > 0 ? Math.log(area) : t.medianLogArea;
      return Math.log(frame.price[i]!) - predicted[k]! - offset - this.index.logAt(frame.day[i]!);
    });
    this.nowcast = IndexNowcast.fromSales(days, residuals, this.artifact.settings.nowcast);
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
