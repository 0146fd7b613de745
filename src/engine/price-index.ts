// A market's monthly house price index, estimated from its own sales (hedonic: the time effect left in
// the residuals of a model that does not see time), smoothed, and extended past its last month by its
// recent trend. Levels are logs, relative to the last estimated month (level 0).
import { firstDayOfMonth, monthPosition } from './calendar.js';
import { median } from './median.js';
import type { Day } from './types.js';

export interface PriceIndexData {
  /** Month number (year * 12 + month - 1) of logLevels[0]. */
  firstMonth: number;
  /** Smoothed log level per month, the last one 0. */
  logLevels: number[];
  /** Log change per month used past the last month. */
  trendPerMonth: number;
  /** Sales behind each month's estimate. */
  counts: number[];
  /** Months whose slope gave the trend. */
  trendMonths: number;
}

const DEFAULT_MAX_TREND = 0.02;
/** How far past the index's last month its day table reaches (sales after the cutoff, valued with the nowcast). */
const TABLE_MONTHS_PAST = 36;

export interface PriceIndexOptions {
  /** Gaussian kernel bandwidth of the local-linear smoother, in months. */
  bandwidthMonths?: number;
  /** Months at the end of the index whose slope is carried forward. */
  trendMonths?: number;
  /** Cap on the carried-forward trend, per month (log), so a noisy tail cannot run away. */
  maxTrendPerMonth?: number;
}

export class PriceIndex {
  /** logAt of each day from the 1st of the index's first month to TABLE_MONTHS_PAST months past its last, built on first use. */
  private dayLevels: Float64Array | null = null;
  private dayLevelsFirst = 0;

  constructor(readonly data: PriceIndexData) {}

  /**
   * logAt(day), read from a table of the days around the index (a few thousand entries, whatever the size
   * of the market): valuations time-adjust the same neighbouring sales again and again, and the date
   * arithmetic of logAt was a tenth of a valuation's cost. Days outside the table are computed.
   */
  logAtDay(day: Day): number {
    const levels = this.dayLevels ?? this.fillDayLevels();
    const k = day - this.dayLevelsFirst;
    return k >= 0 && k < levels.length ? levels[k]! : this.logAt(day);
  }

  private fillDayLevels(): Float64Array {
    const first = firstDayOfMonth(this.data.firstMonth);
    const levels = new Float64Array(firstDayOfMonth(this.lastMonth + 1 + TABLE_MONTHS_PAST) - first);
    for (let k = 0; k < levels.length; k++) levels[k] = this.logAt(first + k);
    this.dayLevelsFirst = first;
    return (this.dayLevels = levels);
  }

  get lastMonth(): number {
    return this.data.firstMonth + this.data.logLevels.length - 1;
  }

  /** The log level on a day, read between month centres and extended by the trend past the last month. */
  logAt(day: Day): number {
    const { firstMonth, logLevels, trendPerMonth } = this.data;
    const position = monthPosition(day) - 0.5 - firstMonth; // month centres sit at 0, 1, 2, …
    const last = logLevels.length - 1;
    if (position <= 0) return logLevels[0]!;
    if (position >= last) return logLevels[last]! + trendPerMonth * (position - last);
    const i = Math.floor(position);
    const t = position - i;
    return logLevels[i]! * (1 - t) + logLevels[i + 1]! * t;
  }

  /** Multiplier that moves a price from one day's market to another's. */
  factor(fromDay: Day, toDay: Day): number {
    return Math.exp(this.logAtDay(toDay) - this.logAtDay(fromDay));
  }

  /** The same levels with the trend read over the last `months` months instead. */
  withTrendWindow(months: number, maxTrendPerMonth = DEFAULT_MAX_TREND): PriceIndex {
    const trend = clamp(trendSlope(this.data.logLevels, this.data.counts, months), -maxTrendPerMonth, maxTrendPerMonth);
    return new PriceIndex({ ...this.data, trendPerMonth: trend, trendMonths: months });
  }

  toJSON(): PriceIndexData {
    return this.data;
  }
}

/**
 * Estimates the index from each sale's month and its log-price residual (what a time-blind model left
 * unexplained). Each month contributes its median residual, weighted by its sales count, to a local-linear
 * Gaussian smoother, which stays unbiased at the ends where the trend is read.
 */
export function estimatePriceIndex(months: ArrayLike<number>, residuals: ArrayLike<number>, options: PriceIndexOptions = {}): PriceIndex {
  const bandwidth = options.bandwidthMonths ?? 2;
  const trendMonths = options.trendMonths ?? 12;
  const maxTrend = options.maxTrendPerMonth ?? DEFAULT_MAX_TREND;
  const n = months.length;
  if (n === 0) throw new Error('estimatePriceIndex: no sales');
  if (residuals.length !== n) throw new Error('estimatePriceIndex: months and residuals differ in length');
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const m = months[i]!;
    if (m < first) first = m;
    if (m > last) last = m;
  }
  const span = last - first + 1;
  const byMonth: number[][] = Array.from({ length: span }, () => []);
  for (let i = 0; i < n; i++) {
    const r = residuals[i]!;
    if (Number.isFinite(r)) byMonth[months[i]! - first]!.push(r);
  }
  const counts = byMonth.map((list) => list.length);
  const medians = byMonth.map((list) => (list.length ? median(list) : 0));

  const smoothed = new Array<number>(span);
  for (let k = 0; k < span; k++) {
    // Weighted least squares of median on (month - k): the intercept is the smoothed level at k.
    let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let j = 0; j < span; j++) {
      if (counts[j] === 0) continue;
      const x = j - k;
      const w = counts[j]! * Math.exp(-0.5 * (x / bandwidth) ** 2);
      sw += w; sx += w * x; sy += w * medians[j]!; sxx += w * x * x; sxy += w * x * medians[j]!;
    }
    const det = sw * sxx - sx * sx;
    smoothed[k] = sw === 0 ? 0 : Math.abs(det) < 1e-12 * Math.max(1, sw * sxx) ? sy / sw : (sy * sxx - sx * sxy) / det;
  }
  const reference = smoothed[span - 1]!;
  const logLevels = smoothed.map((v) => v - reference);
  return new PriceIndex({ firstMonth: first, logLevels, trendPerMonth: clamp(trendSlope(logLevels, counts, trendMonths), -maxTrend, maxTrend), counts, trendMonths });
}

/** Count-weighted least-squares slope of the last `window` months' levels. */
function trendSlope(levels: number[], counts: number[], window: number): number {
  const start = Math.max(0, levels.length - window);
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let j = start; j < levels.length; j++) {
    const w = Math.max(counts[j]!, 0);
    if (w === 0) continue;
    sw += w; sx += w * j; sy += w * levels[j]!; sxx += w * j * j; sxy += w * j * levels[j]!;
  }
  const det = sw * sxx - sx * sx;
  return sw === 0 || Math.abs(det) < 1e-9 ? 0 : (sw * sxy - sx * sy) / det;
}


function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
