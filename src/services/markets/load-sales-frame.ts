// A market's sales as the engine's column arrays, read in one query. Loaded once per market (and again after
// an import or for a training cut-off), then shared by every valuation.
import type { MarketConfig, SalesFrame } from '../../engine/types.js';
import type { Store } from '../../store/database.js';
import { selectFrameRows, type FrameRow } from '../../store/repositories/sales.js';
import { isIsoDate, isoDateToDay } from '../../data/sales-csv/parse-sale-date.js';
import { loadMarketConfig } from './load-market-config.js';

export { loadMarketConfig, MarketNotFoundError } from './load-market-config.js';

export interface LoadSalesFrameOptions {
  /** YYYY-MM-DD: only sales on or before this day (a training cut-off, an as-of date). */
  until?: string;
  /** The config to encode categoricals with; read from the store when not given. */
  config?: MarketConfig;
}

export async function loadSalesFrame(store: Store, marketId: string, options: LoadSalesFrameOptions = {}): Promise<SalesFrame> {
  if (options.until !== undefined && !isIsoDate(options.until)) {
    throw new RangeError(`until: '${options.until}' is not a YYYY-MM-DD date`);
  }
  const config = options.config ?? (await loadMarketConfig(store, marketId));
  const rows = await selectFrameRows(store.db, marketId, options.until);
  return buildSalesFrame(config, rows);
}

/** Rows (already in sale date, id order) to columns; categoricals become their index in the config's levels. */
export function buildSalesFrame(config: MarketConfig, rows: FrameRow[]): SalesFrame {
  const count = rows.length;
  const frame: SalesFrame = {
    count,
    saleId: new Float64Array(count),
    propertyId: new Float64Array(count),
    day: new Int32Array(count),
    price: new Float64Array(count),
    latitude: new Float64Array(count),
    longitude: new Float64Array(count),
    isMarket: new Uint8Array(count),
    attributes: {},
  };
  const columns = config.features.map((f) => {
    const values = new Float64Array(count);
    frame.attributes[f.name] = values;
    const levels = f.kind === 'categorical' ? new Map((f.levels ?? []).map((level, i) => [level, i])) : null;
    return { name: f.name, values, levels };
  });
  // Sales cluster on few dates; parse each date once.
  const days = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const row = rows[i]!;
    frame.saleId[i] = row.id;
    frame.propertyId[i] = row.property_id ?? -1;
    let day = days.get(row.sale_date);
    if (day === undefined) {
      day = isoDateToDay(row.sale_date);
      days.set(row.sale_date, day);
    }
    frame.day[i] = day;
    frame.price[i] = row.price;
    frame.latitude[i] = row.latitude;
    frame.longitude[i] = row.longitude;
    frame.isMarket[i] = row.is_market ? 1 : 0;
    const attributes = JSON.parse(row.attributes) as Record<string, unknown>;
    for (const column of columns) {
      const value = attributes[column.name];
      if (column.levels) {
        const index = typeof value === 'string' ? column.levels.get(value) : undefined;
        column.values[i] = index ?? NaN;
      } else {
        column.values[i] = typeof value === 'number' ? value : NaN;
      }
    }
  }
  return frame;
}
