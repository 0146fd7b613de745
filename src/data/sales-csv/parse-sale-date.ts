// Sale dates arrive in a handful of layouts; inside Valora a date is always ISO `YYYY-MM-DD`.
import type { DateFormat } from './column-mapping.js';

const PATTERNS: Record<DateFormat, RegExp> = {
  'YYYY-MM-DD': /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
  'YYYY-MM': /^(\d{4})-(\d{1,2})$/,
  'DD/MM/YYYY': /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/,
  'MM/DD/YYYY': /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/,
};

/** A month-only date stands for the middle of the month, so it is at most half a month off either way. */
export const MONTH_ONLY_DAY = 15;

/**
 * Parses `raw` in `format` into `YYYY-MM-DD`, or null when it does not match the format or names no real
 * calendar day (2023-02-30). A trailing time (`2023-05-01 00:00`, `…T00:00:00Z`) is ignored.
 */
export function parseSaleDate(raw: string, format: DateFormat): string | null {
  const text = raw.trim().replace(/[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/, '');
  const m = PATTERNS[format].exec(text);
  if (!m) return null;
  let year: number, month: number, day: number;
  switch (format) {
    case 'YYYY-MM-DD':
      [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
      break;
    case 'YYYY-MM':
      [year, month, day] = [Number(m[1]), Number(m[2]), MONTH_ONLY_DAY];
      break;
    case 'DD/MM/YYYY':
      [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
      break;
    case 'MM/DD/YYYY':
      [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
      break;
  }
  if (month < 1 || month > 12 || day < 1) return null;
  const t = Date.UTC(year, month - 1, day);
  const d = new Date(t);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 UTC of an ISO date (the engine's `Day`). */
export function isoDateToDay(iso: string): number {
  return Math.round(Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / MS_PER_DAY);
}

/** Whether `text` is a real calendar day written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && parseSaleDate(text, 'YYYY-MM-DD') === text;
}
