import type { PropertyCandidate } from '../properties/find-property.js';

export type ValuationFailureCode =
  | 'missing_identifier'
  | 'invalid_field'
  | 'not_found'
  | 'several_match'
  | 'insufficient_balance'
  | 'engine_unavailable';

/** Why a valuation request was not answered with a valuation; routes map `code` to an HTTP status. */
export class ValuationRequestError extends Error {
  constructor(
    readonly code: ValuationFailureCode,
    message: string,
    readonly detail: { field?: string; candidates?: PropertyCandidate[] } = {},
  ) {
    super(message);
  }
}
