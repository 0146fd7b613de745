// What the service layer asks of the loaded markets and their models. The implementation
// (market-runtime.ts) holds every market in memory; routes, batch jobs and the CLI all value through it.
import type { Subject, ValuationOptions, ValuationOutcome } from '../engine/types.js';
export { InvalidSubjectError, NoModelForDateError } from '../engine/errors.js';

export interface MarketSummary {
  id: string;
  name: string;
  country: string;
  currency: string;
  areaUnit: 'sqft' | 'sqm';
  synthetic: boolean;
  /** The active model's version, or null while none is trained. */
  modelVersion: string | null;
}

export interface ValuationEngine {
  markets(): MarketSummary[];
  /** True when the market (or, without an id, every market) has a model loaded and can value. */
  isReady(marketId?: string): boolean;
  /** The market whose sales surround this point (within its comparables radius of some sale), or null. */
  marketAt(latitude: number, longitude: number): string | null;
  /**
   * Values one subject. Throws InvalidSubjectError for input that must not reach the model and
   * EngineNotReadyError when the market has no model yet.
   */
  value(marketId: string, subject: Subject, options: ValuationOptions): ValuationOutcome;
}

export class EngineNotReadyError extends Error {
  constructor(readonly marketId: string) {
    super(`the model for market '${marketId}' is not ready yet`);
  }
}
