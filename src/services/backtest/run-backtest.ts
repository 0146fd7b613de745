// A backtest: every sale of a CSV file (in the market's own sales columns) valued as of its sale date with
// the market's models and data, the file's price read only to score. Nothing is charged or stored.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { parseDay } from '../../engine/calendar.js';
import { summariseBacktest, type BacktestCase, type BacktestSummary } from '../../engine/backtest-metrics.js';
import type { SalesFrame } from '../../engine/types.js';
import { createSaleRowReader, type SaleRow } from '../../data/sales-csv/sale-row-reader.js';
import type { ColumnMapping } from '../../data/sales-csv/column-mapping.js';
import type { MarketRuntime } from '../market-runtime.js';

export interface BacktestRequest {
  marketId: string;
  file: string;
  mapping: ColumnMapping;
  onProgress?: (done: number) => void;
}

export interface BacktestReport extends BacktestSummary {
  market: string;
  model_versions: string[];
  /** Lines of the file that could not be read as a sale (they count in `count`, not in `valued`). */
  rejected: Array<{ line: number; reason: string }>;
  no_value_reasons: Record<string, number>;
}

/** Categorical attributes that name a region, in order of preference; else a compass sector is used. */
const REGION_ATTRIBUTES = ['neighborhood', 'neighbourhood', 'district', 'city', 'town', 'postcode_district'];

export async function runBacktest(runtime: MarketRuntime, request: BacktestRequest): Promise<BacktestReport> {
  const state = runtime.state(request.marketId);
  if (!state) throw new Error(`market '${request.marketId}' is not loaded`);
  const centre = centreOf(state.frame);
  const cases: BacktestCase[] = [];
  const rejected: Array<{ line: number; reason: string }> = [];
  const reasons: Record<string, number> = {};
  const versions = new Set<string>();
  let read: ((fields: string[]) => ReturnType<ReturnType<typeof createSaleRowReader>>) | null = null;
  const source = createReadStream(request.file);
  const parser = source.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  // A read error (missing file, permissions) must reach the caller through the parser, not crash the process.
  source.on('error', (error) => parser.destroy(error));
  for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!read) {
      read = createSaleRowReader(record.record, request.mapping, state.config, { today: new Date().toISOString().slice(0, 10) });
      continue;
    }
    const result = read(record.record);
    if (!result.ok) {
      rejected.push({ line: record.info.lines, reason: result.reason });
      cases.push({ actual: NaN, predicted: null, fsd: null, tier: null, propertyType: null, region: null });
      continue;
    }
    cases.push(valueSale(runtime, request.marketId, result.sale, centre, reasons, versions));
    if (cases.length % 250 === 0) request.onProgress?.(cases.length);
  }
  request.onProgress?.(cases.length);
  return { market: request.marketId, model_versions: [...versions].sort(), ...summariseBacktest(cases), rejected, no_value_reasons: reasons };
}

function valueSale(runtime: MarketRuntime, marketId: string, sale: SaleRow, centre: { lat: number; lon: number }, reasons: Record<string, number>, versions: Set<string>): BacktestCase {
  const base = { actual: sale.price, propertyType: sale.propertyType, region: regionOf(sale, centre) };
  try {
    const outcome = runtime.value(marketId, { latitude: sale.latitude, longitude: sale.longitude, attributes: sale.attributes }, { asOf: parseDay(sale.saleDate), numComparables: 0, explain: false });
    versions.add(outcome.modelVersion);
    if (outcome.status === 'success') return { ...base, predicted: outcome.value, fsd: outcome.fsd, tier: outcome.tier.tier };
    reasons[outcome.reason] = (reasons[outcome.reason] ?? 0) + 1;
  } catch (error) {
    const key = error instanceof Error ? error.name : 'Error';
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  return { ...base, predicted: null, fsd: null, tier: null };
}

function regionOf(sale: SaleRow, centre: { lat: number; lon: number }): string {
  for (const name of REGION_ATTRIBUTES) {
    const v = sale.attributes[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return compassSector(sale.latitude, sale.longitude, centre);
}

/** Eight sectors around the market's centre, and "centre" within 3 km of it. */
export function compassSector(lat: number, lon: number, centre: { lat: number; lon: number }): string {
  const dy = (lat - centre.lat) * 111.2;
  const dx = (lon - centre.lon) * 111.2 * Math.cos((centre.lat * Math.PI) / 180);
  if (Math.hypot(dx, dy) < 3) return 'centre';
  const sectors = ['east', 'north-east', 'north', 'north-west', 'west', 'south-west', 'south', 'south-east'];
  const angle = (Math.atan2(dy, dx) * 180) / Math.PI;
  return sectors[Math.round(((angle + 360) % 360) / 45) % 8]!;
}

function centreOf(frame: SalesFrame): { lat: number; lon: number } {
  const lats = Array.from(frame.latitude).sort((a, b) => a - b);
  const lons = Array.from(frame.longitude).sort((a, b) => a - b);
  return { lat: lats[lats.length >> 1] ?? 0, lon: lons[lons.length >> 1] ?? 0 };
}
