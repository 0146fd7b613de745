// The one rule deciding which sales are not ordinary market sales (kept, flagged, left out of training and
// comparables). Checked in this order; the first that applies is the recorded reason:
//   1. the mapping's non-market column holds a value outside its market values  -> `<column>:<value>`
//   2. price below config.nonMarket.minPrice                                    -> `price_below_minimum`
//   3. price above config.nonMarket.maxPrice                                    -> `price_above_maximum`
//   4. price per unit of floor area below minPricePerArea (when both known)      -> `price_per_area_below_minimum`
//   5. price per unit of floor area above maxPricePerArea                        -> `price_per_area_above_maximum`
// docs/markets.md states the same rule for users.
import type { MarketConfig } from '../../engine/types.js';

export interface NonMarketInput {
  price: number;
  /** floor_area, NaN when unknown. */
  floorArea: number;
  /** The non-market column's value when it is outside the market values; null otherwise. */
  flaggedValue: { column: string; value: string } | null;
}

export function classifyNonMarket(sale: NonMarketInput, rule: MarketConfig['nonMarket']): string | null {
  if (sale.flaggedValue) return `${sale.flaggedValue.column}:${sale.flaggedValue.value}`;
  if (sale.price < rule.minPrice) return 'price_below_minimum';
  if (sale.price > rule.maxPrice) return 'price_above_maximum';
  if (Number.isFinite(sale.floorArea) && sale.floorArea > 0) {
    const perArea = sale.price / sale.floorArea;
    if (rule.minPricePerArea !== undefined && perArea < rule.minPricePerArea) return 'price_per_area_below_minimum';
    if (rule.maxPricePerArea !== undefined && perArea > rule.maxPricePerArea) return 'price_per_area_above_maximum';
  }
  return null;
}
