// A valued property ready for the group commit (ValuationRecorder), for tests that charge the ledger the
// way POST /v1/valuations does without running the engine.
import type { ValuationOutcome } from '../../src/engine/types.js';
import type { ValuationToRecord } from '../../src/services/valuations/record-valuations.js';

const success = {
  status: 'success',
  value: 250_000,
  fsd: 0.1,
  tier: { tier: 2, band: '0.08-0.13', haircut: 0.05, description: 'good' },
  confidenceLevel: 80,
  range90: { low: 210_000, high: 290_000 },
  interval95: { lower: 200_000, upper: 300_000 },
  comparables: [],
  contributions: [],
  baseValue: 200_000,
  modelVersion: 'test',
} as unknown as ValuationOutcome;

/** A successful valuation for the account, to be charged one credit. */
export function chargedValuation(accountId: number): ValuationToRecord {
  return {
    valuation: { accountId, source: 'gadsden', marketId: 'm', property: null, outcome: success, request: {}, response: {}, now: new Date().toISOString() },
    charge: true,
  };
}
