// The price index is extended past a model's last month by its trend; sales made since then (but before
// the valuation date) show where the market actually went. The nowcast is the median log residual of the
// model on those recent sales, shrunk towards zero when they are few: the index updated by new sales
// without retraining, as an AVM provider updates its index monthly.
import { median } from './median.js';
import type { Day } from './types.js';

export interface NowcastSettings {
  /** Sales from this many days before the valuation date count. */
  windowDays: number;
  /** Shrinkage: n sales move the index by n / (n + kappa) of their median residual. */
  kappa: number;
}

export const DEFAULT_NOWCAST: NowcastSettings = { windowDays: 91, kappa: 20 };

export class IndexNowcast {
  private readonly cache = new Map<Day, number>();

  /** `days` ascending; `residuals[i]` = log price − model log value of the sale on days[i]. */
  constructor(
    private readonly days: Int32Array,
    private readonly residuals: Float64Array,
    readonly settings: NowcastSettings,
  ) {}

  static empty(settings: NowcastSettings = DEFAULT_NOWCAST): IndexNowcast {
    return new IndexNowcast(new Int32Array(0), new Float64Array(0), settings);
  }

  /** Builds from unsorted sales. */
  static fromSales(days: ArrayLike<number>, residuals: ArrayLike<number>, settings: NowcastSettings = DEFAULT_NOWCAST): IndexNowcast {
    const order = Array.from({ length: days.length }, (_, i) => i).sort((a, b) => days[a]! - days[b]! || a - b);
    return new IndexNowcast(Int32Array.from(order, (i) => days[i]!), Float64Array.from(order, (i) => residuals[i]!), settings);
  }

  /** Log adjustment for a valuation dated `asOf`: only sales strictly before it are used. */
  adjustment(asOf: Day): number {
    if (this.days.length === 0) return 0;
    const cached = this.cache.get(asOf);
    if (cached !== undefined) return cached;
    const from = lowerBound(this.days, asOf - this.settings.windowDays);
    const to = lowerBound(this.days, asOf);
    const n = to - from;
    let value = 0;
    if (n > 0) {
      value = (median(this.residuals.subarray(from, to)) * n) / (n + this.settings.kappa);
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(asOf, value);
    return value;
  }
}

function lowerBound(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
