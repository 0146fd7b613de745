// The per-minute rate limit's arithmetic, shared by the limiter that counts in memory (one process) and the
// one that leases counts from the database (several): a sliding window estimated from two fixed windows,
// the previous window's count weighted by how much of it still overlaps the last minute plus the current
// window's count.

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
