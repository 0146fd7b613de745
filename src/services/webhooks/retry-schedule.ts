// PadStats: "retried up to 3 times with exponential backoff (2s → 4s → 8s)". The first attempt is
// immediate; retry n waits base·2^(n-1). The base is configurable so tests can run the schedule fast.
export const WEBHOOK_MAX_RETRIES = 3;
export const DEFAULT_WEBHOOK_BACKOFF_MS = 2000;

/** Delay before retry `retry` (1-based), or undefined when no retry is left. */
export function retryDelayMs(retry: number, baseMs = DEFAULT_WEBHOOK_BACKOFF_MS): number | undefined {
  if (retry < 1 || retry > WEBHOOK_MAX_RETRIES) return undefined;
  return baseMs * 2 ** (retry - 1);
}

export function retrySchedule(baseMs = DEFAULT_WEBHOOK_BACKOFF_MS): number[] {
  const delays: number[] = [];
  for (let retry = 1; retry <= WEBHOOK_MAX_RETRIES; retry++) delays.push(retryDelayMs(retry, baseMs)!);
  return delays;
}
