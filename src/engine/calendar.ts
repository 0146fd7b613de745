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

export function formatDay(day: Day): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function todayDay(now: Date = new Date()): Day {
  return Math.floor(now.getTime() / MS_PER_DAY);
}

export function monthOfDay(day: Day): number {
  const d = new Date(day * MS_PER_DAY);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** The fraction of the month a day has reached (0 on the 1st), so an index can be read between months. */
export function monthPosition(day: Day): number {
  const d = new Date(day * MS_PER_DAY);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return d.getUTCFullYear() * 12 + d.getUTCMonth() + (day * MS_PER_DAY - start) / (next - start);
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
