// The sliding-window contract every rate limiter keeps, whatever does the counting (the database per
// request, memory in one process, leases across processes): used by each limiter's own tests.
import assert from 'node:assert/strict';
import { RATE_WINDOW_MS, type RateLimitDecision } from './sliding-window.js';

export interface RateLimiterUnderTest {
  consume(accountId: number, limit: number, nowMs: number): Promise<RateLimitDecision>;
}

/** The start of a window `windows` windows from now: far enough ahead that no other request counts in it. */
export function futureWindow(windows: number, offset = 0): number {
  return Math.ceil(Date.now() / RATE_WINDOW_MS) * RATE_WINDOW_MS + windows * RATE_WINDOW_MS + offset;
}

/**
 * With a limit of 10 from `start`: 25 racing requests get exactly 10 through, counting down; half a window
 * into the next window the previous one still weighs half (5 more pass); two windows on, the count is fresh.
 */
export async function assertSlidingWindow(limiter: RateLimiterUnderTest, accountId: number, start: number): Promise<void> {
  const decisions = await Promise.all(Array.from({ length: 25 }, () => limiter.consume(accountId, 10, start + 1000)));
  assert.equal(decisions.filter((d) => d.allowed).length, 10);
  assert.deepEqual(
    decisions.filter((d) => d.allowed).map((d) => d.remaining),
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
  );
  const refused = decisions.find((d) => !d.allowed)!;
  assert.equal(refused.remaining, 0);
  assert.ok(refused.retryAfter >= 1);
  const next = start + RATE_WINDOW_MS + RATE_WINDOW_MS / 2;
  const later = [];
  for (let i = 0; i < 7; i++) later.push(await limiter.consume(accountId, 10, next));
  assert.equal(later.filter((d) => d.allowed).length, 5);
  assert.equal(later[0]!.remaining, 4);
  const fresh = await limiter.consume(accountId, 10, start + 3 * RATE_WINDOW_MS);
  assert.equal(fresh.allowed, true);
  assert.equal(fresh.remaining, 9);
}
