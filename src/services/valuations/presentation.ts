// Unit and naming conversions between the engine's market-native values and what API responses show.
import type { Day, MarketConfig } from '../../engine/types.js';

const SQM_PER_SQFT = 0.09290304;
const MS_PER_DAY = 86_400_000;

export function dayOf(date: string): Day {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY);
}

export function todayDate(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** An area in the market's unit as square metres, one decimal; null when unknown. */
export function squareMetres(area: number | null | undefined, unit: 'sqft' | 'sqm'): number | null {
  if (area == null || !Number.isFinite(area)) return null;
  const sqm = unit === 'sqft' ? area * SQM_PER_SQFT : area;
  return Math.round(sqm * 10) / 10;
}

/** Land Registry style one-letter code ("S") when the market has a one-letter alias for the type, else the type itself. */
export function propertyTypeCode(type: string | null, config: MarketConfig): string | null {
  if (type == null) return null;
  return oneLetterCodes(config).get(type) ?? type;
}

/** Each type's one-letter code (the first one-letter alias that names it), per market configuration. */
const codesOfConfig = new WeakMap<MarketConfig, Map<string, string>>();

function oneLetterCodes(config: MarketConfig): Map<string, string> {
  let codes = codesOfConfig.get(config);
  if (!codes) {
    codes = new Map();
    for (const [alias, target] of Object.entries(config.propertyTypeAliases ?? {})) {
      if (alias.length === 1 && !codes.has(target)) codes.set(target, alias.toUpperCase());
    }
    codesOfConfig.set(config, codes);
  }
  return codes;
}

const AGE_BANDS: Array<[number, string]> = [
  [1900, 'pre-1900'],
  [1919, '1900-1918'],
  [1946, '1919-1945'],
  [1965, '1946-1964'],
  [1983, '1965-1982'],
  [1996, '1983-1995'],
  [2007, '1996-2006'],
];

/** The recorded construction period, else a band derived from the year built, else null. */
export function constructionPeriod(attributes: Record<string, unknown>): string | null {
  for (const name of ['construction_period', 'construction_age_band']) {
    const value = attributes[name];
    if (typeof value === 'string' && value.trim()) return value;
  }
  const year = Number(attributes.year_built);
  if (!Number.isFinite(year) || year <= 0) return null;
  for (const [before, band] of AGE_BANDS) if (year < before) return band;
  return '2007-onwards';
}

export function firstString(attributes: Record<string, unknown>, names: string[]): string | null {
  for (const name of names) {
    const value = attributes[name];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return null;
}

export function integerOrNull(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.round(n) : null;
}

export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export function parseAttributes(json: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
