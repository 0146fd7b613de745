// Dates inside the engine are day numbers (days since 1970-01-01 UTC) and month numbers
// (year * 12 + month - 1). These convert between them and ISO text.
import type { Day } from './types.js';

const MS_PER_DAY = 86_400_000;

/** 'YYYY-MM-DD' → day number; throws on anything that is not a real calendar date. */
export function parseDay(text: string): Day {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: '${text}'`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) throw new RangeError(`not a calendar date: '${text}'`);
  return Math.round(ms / MS_PER_DAY);
}

/**
 * A day number's civil date (H. Hinnant's civil_from_days): integer arithmetic, because dates are read and
 * written for every comparable of every valuation, where building Date objects showed in profiles.
 */
function civilFromDays(day: Day): { year: number; month: number; dayOfMonth: number } {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9; // 1..12
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth: doy - Math.floor((153 * mp + 2) / 5) + 1 };
}

/** Day number → 'YYYY-MM-DD' (as toISOString writes it; years outside 0–9999 through it). */
export function formatDay(day: Day): string {
  const { year, month, dayOfMonth } = civilFromDays(day);
  if (year < 0 || year > 9999) return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${dayOfMonth < 10 ? '0' : ''}${dayOfMonth}`;
}

export function todayDay(now: Date = new Date()): Day {
  return Math.floor(now.getTime() / MS_PER_DAY);
}

/** The month number of a day: year × 12 + month − 1. */
export function monthOfDay(day: Day): number {
  const { year, month } = civilFromDays(day);
  return year * 12 + month - 1;
}

/**
 * The month number plus the fraction of the month a day has reached (0 on the 1st), so an index can be
 * read between months.
 */
export function monthPosition(day: Day): number {
  const { year, month, dayOfMonth } = civilFromDays(day);
  return year * 12 + month - 1 + (dayOfMonth - 1) / DAYS_IN_MONTH[isLeap(year) && month === 2 ? 0 : month]!;
}

const DAYS_IN_MONTH = [29, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The day number of the 1st of a month (month numbers as monthOfDay gives them). */
export function firstDayOfMonth(month: number): Day {
  return Math.round(Date.UTC(Math.floor(month / 12), month - Math.floor(month / 12) * 12, 1) / MS_PER_DAY);
}

export function formatMonth(month: number): string {
  const y = Math.floor(month / 12);
  return `${y}-${String(month - y * 12 + 1).padStart(2, '0')}`;
}

/** The day `months` calendar months before `day` (clamped to the month's last day). */
export function addMonths(day: Day, months: number): Day {
  const d = new Date(day * MS_PER_DAY);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return Math.round(target.getTime() / MS_PER_DAY);
}
