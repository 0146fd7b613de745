// Every market held in memory (sales as typed arrays, their spatial index, the trained models) and
// valued through one object shared by the routes, the batch workers and the CLI.
import { parseDay } from '../engine/calendar.js';
import { SalesSpatialIndex } from '../engine/sales-spatial-index.js';
import { MarketModel, parseMarketModel } from '../engine/market-model.js';
import type { Subject, ValuationOptions, ValuationOutcome } from '../engine/types.js';
import { valueSubject, type MarketState } from '../engine/value-subject.js';
import type { Store } from '../store/database.js';
import { listMarketIds } from '../store/repositories/markets.js';
import { listActiveModels } from '../store/repositories/models.js';
import { loadMarketConfig, loadSalesFrame } from './markets/load-sales-frame.js';
import { EngineNotReadyError, type MarketSummary, type ValuationEngine } from './valuation-engine.js';

export class MarketRuntime implements ValuationEngine {
  private readonly states = new Map<string, MarketState>();
  /** Saved models the last load could not read (an older engine's format), by market. */
  private readonly unreadable = new Map<string, Array<{ id: number; modelVersion: string; reason: string }>>();

  /** Loads every market in the store (or the named ones) with its active models. */
  static async load(store: Store, marketIds?: string[]): Promise<MarketRuntime> {
    const runtime = new MarketRuntime();
    for (const id of marketIds ?? (await listMarketIds(store.db))) await runtime.loadMarket(store, id);
    return runtime;
  }

  /** (Re)loads one market: after an import or a training run. */
  async loadMarket(store: Store, marketId: string): Promise<void> {
    const config = await loadMarketConfig(store, marketId);
    const frame = await loadSalesFrame(store, marketId, { config });
    const models: MarketModel[] = [];
    const unreadable: Array<{ id: number; modelVersion: string; reason: string }> = [];
    for (const saved of await listActiveModels(store.db, marketId)) {
      try {
        models.push(new MarketModel(parseMarketModel(saved.content), parseDay(saved.trainedUntil)));
      } catch (error) {
        // An older engine's format: prepareEngine retires and retrains such models.
        unreadable.push({ id: saved.id, modelVersion: saved.modelVersion, reason: (error as Error).message });
      }
    }
    this.unreadable.set(marketId, unreadable);
    models.sort((a, b) => a.trainedUntilDay - b.trainedUntilDay);
    for (const model of models) model.attachNowcast(frame, config);
    const spatial = new SalesSpatialIndex(frame);
    // Requests ask which market a bare location is in (the nearest sale): its tree is built here, at load.
    spatial.buildTree();
    this.states.set(marketId, { config, frame, spatial, models });
  }

  /** Saved models of the market that the last load could not read. */
  unreadableModels(marketId: string): Array<{ id: number; modelVersion: string; reason: string }> {
    return this.unreadable.get(marketId) ?? [];
  }

  /** The in-memory state of a market (for backtests and diagnostics). */
  state(marketId: string): MarketState | undefined {
    return this.states.get(marketId);
  }

  markets(): MarketSummary[] {
    return [...this.states.values()].map(({ config, models }) => ({
      id: config.id,
      name: config.name,
      country: config.country,
      currency: config.currency,
      areaUnit: config.areaUnit,
      synthetic: config.synthetic,
      modelVersion: models.at(-1)?.version ?? null,
    }));
  }

  isReady(marketId?: string): boolean {
    if (marketId !== undefined) return (this.states.get(marketId)?.models.length ?? 0) > 0;
    return this.states.size > 0 && [...this.states.values()].every((s) => s.models.length > 0);
  }

  marketAt(latitude: number, longitude: number): string | null {
    let best: { id: string; km: number } | null = null;
    for (const [id, state] of this.states) {
      const km = state.spatial.nearestSaleKm(latitude, longitude, Math.max(state.config.comparables.radiusKm, 5));
      if (km !== null && (!best || km < best.km)) best = { id, km };
    }
    return best?.id ?? null;
  }

  value(marketId: string, subject: Subject, options: ValuationOptions): ValuationOutcome {
    const state = this.states.get(marketId);
    if (!state || state.models.length === 0) throw new EngineNotReadyError(marketId);
    return valueSubject(state, subject, options);
  }
}
