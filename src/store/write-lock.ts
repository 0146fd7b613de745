// Waiting for SQLite's write lock on the event loop. SQLite's busy handler sleeps inside the calling
// thread, so a connection that waited there for a lock another process holds (a worker's batch, a bulk
// import) would stall every request of this process meanwhile. Writers here try the lock with the busy
// handler off and, when it is held, try again a moment later from a timer.
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a writer waits for a lock another connection holds before it gives up. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** What a single attempt answers when another connection holds SQLite's write lock. */
export const WRITE_LOCK_BUSY: unique symbol = Symbol('write lock busy');

/** How long to leave SQLite's write lock to another process before trying again (a batch holds it well under this). */
export const WRITE_LOCK_RETRY_MS = 1;

/** Thrown when SQLite's write lock stayed with another connection for longer than a caller would wait. */
export class WriteLockTimeoutError extends Error {
  constructor(waitedMs: number) {
    super(`database is locked: another process held the write lock for ${waitedMs} ms`);
  }
}

/** True for better-sqlite3's SQLITE_BUSY and its extended codes. */
export function isSqliteBusy(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code?.toString().startsWith('SQLITE_BUSY') === true;
}

/**
 * Runs `attempt` again every WRITE_LOCK_RETRY_MS while it answers WRITE_LOCK_BUSY, the event loop serving
 * other requests meanwhile, for up to `limitMs`, then WriteLockTimeoutError.
 */
export async function retryWhileWriteLockBusy<T>(attempt: () => Promise<T | typeof WRITE_LOCK_BUSY>, limitMs = SQLITE_BUSY_TIMEOUT_MS): Promise<T> {
  const started = Date.now();
  for (;;) {
    const result = await attempt();
    if (result !== WRITE_LOCK_BUSY) return result;
    const waited = Date.now() - started;
    if (waited >= limitMs) throw new WriteLockTimeoutError(waited);
    await sleep(WRITE_LOCK_RETRY_MS);
  }
}
