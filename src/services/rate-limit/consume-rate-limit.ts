import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { deleteWindowsBefore, incrementWindowBelow, readWindowCount } from '../../store/repositories/rate-limits.js';

export const RATE_WINDOW_MS = 60_000;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests still allowed now. */
  remaining: number;
  /** Seconds until the current window's count stops counting in full (RateLimit-Reset). */
  resetSeconds: number;
  /** When refused: seconds until one more request would be allowed. */
  retryAfter: number;
}

/**
 * Counts one request against the account's per-minute limit, with a sliding window estimated from two fixed
 * windows: the previous window's count weighted by how much of it still overlaps the last minute, plus the
 * current window's count. The current window is bumped with one atomic conditional upsert, so several
 * processes sharing a PostgreSQL database never let more through than the limit. A refused request is not
 * counted. A job submission calls this once for the whole job.
 */
export async function consumeRateLimit(db: Kysely<Database>, accountId: number, limit: number, nowMs = Date.now()): Promise<RateLimitDecision> {
  const { windowStart, resetSeconds, carriedFrom } = windowAt(nowMs);
  const previous = await previousWindowCount(db, accountId, windowStart - RATE_WINDOW_MS);
  const carried = carriedFrom(previous);
  const count = await incrementWindowBelow(db, accountId, windowStart, limit - carried);
  if (count !== null) {
    // The first request of a window tidies the account's expired windows.
    if (count === 1) await deleteWindowsBefore(db, accountId, windowStart - RATE_WINDOW_MS);
    return { allowed: true, limit, remaining: Math.max(0, limit - carried - count), resetSeconds, retryAfter: 0 };
  }
  const current = await readWindowCount(db, accountId, windowStart);
  return { allowed: false, limit, remaining: 0, resetSeconds, retryAfter: secondsUntilAllowed(previous, current, limit, nowMs, windowStart) };
}

/**
 * Where `nowMs` falls: its fixed window, the seconds until that window stops counting in full
 * (RateLimit-Reset), and how many of the previous window's requests still count (its share of the last
 * minute).
 */
export function windowAt(nowMs: number): { windowStart: number; resetSeconds: number; carriedFrom(previous: number): number } {
  const windowStart = Math.floor(nowMs / RATE_WINDOW_MS) * RATE_WINDOW_MS;
  const overlap = 1 - (nowMs - windowStart) / RATE_WINDOW_MS;
  return {
    windowStart,
    resetSeconds: Math.max(1, Math.ceil((windowStart + RATE_WINDOW_MS - nowMs) / 1000)),
    carriedFrom: (previous) => Math.floor(previous * overlap),
  };
}

// A window that has ended takes no more increments (every process counts into the current one), so its
// count is read once per process and kept for the minute it still matters. Keyed by the database too, so
// two stores in one process (tests) never share counts.
const closedWindows = new WeakMap<object, Map<number, { windowStart: number; count: number }>>();

async function previousWindowCount(db: Kysely<Database>, accountId: number, windowStart: number): Promise<number> {
  const key = db.getExecutor().adapter;
  let perAccount = closedWindows.get(key);
  if (!perAccount) closedWindows.set(key, (perAccount = new Map()));
  const cached = perAccount.get(accountId);
  if (cached && cached.windowStart === windowStart) return cached.count;
  const count = await readWindowCount(db, accountId, windowStart);
  // Only a window that ended before now is final; tests pass explicit times, and a clock set back must not freeze a live window.
  if (windowStart + RATE_WINDOW_MS <= Date.now()) perAccount.set(accountId, { windowStart, count });
  return count;
}

/** Solves the sliding-window estimate for the first moment it drops below the limit again. */
export function secondsUntilAllowed(previous: number, current: number, limit: number, nowMs: number, windowStart: number): number {
  const w = RATE_WINDOW_MS;
  let at: number;
  if (current >= limit) {
    // Only once this window becomes the previous one and its weight decays far enough.
    at = windowStart + w + w * (1 - (limit - 1) / current);
  } else {
    // The previous window decays within the current one: previous·(1 − t/w) + current ≤ limit − 1.
    at = previous > 0 ? windowStart + w * (1 - (limit - 1 - current) / previous) : nowMs;
  }
  return Math.max(1, Math.ceil((at - nowMs) / 1000 - 1e-9));
}
