// The rate limit counted in this process's memory, for a server that is the only one counting against its
// database (SQLite with one serving process): the same sliding-window estimate and decisions as
// LeasedRateLimiter, without a database write per request. Counts are read from the database when a window
// is first seen (so a restart within a minute carries on where the last process stopped) and written
// through, batched, a moment later and on close. Several processes sharing a database must count in the
// database instead (LeasedRateLimiter): each would otherwise allow the full limit.
import type { Store } from '../../store/database.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import { deleteWindowsBefore, raiseWindowCount, readWindowCount } from '../../store/repositories/rate-limits.js';
import { RATE_WINDOW_MS, secondsUntilAllowed, windowAt, type RateLimitDecision } from './sliding-window.js';

interface AccountWindow {
  windowStart: number;
  previous: number;
  count: number;
}

/** How long a count may wait in memory before it is written (a crash forgets at most this much counting). */
const WRITE_DELAY_MS = 200;

export class LocalRateLimiter {
  #windows = new Map<number, AccountWindow>();
  #loading = new Map<number, Promise<AccountWindow>>();
  /** Counts not yet written, by account and window (a window's last counts are written after it rolls too). */
  #dirty = new Map<string, { accountId: number; state: AccountWindow }>();
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

  async consume(accountId: number, limit: number, nowMs = Date.now()): Promise<RateLimitDecision> {
    const { windowStart, resetSeconds, carriedFrom } = windowAt(nowMs);
    let state = this.#windows.get(accountId);
    if (!state || state.windowStart !== windowStart) state = await this.#load(accountId, windowStart);
    const carried = carriedFrom(state.previous);
    if (state.count < limit - carried) {
      state.count++;
      this.#dirty.set(`${accountId}:${windowStart}`, { accountId, state });
      this.#schedule();
      return { allowed: true, limit, remaining: Math.max(0, limit - carried - state.count), resetSeconds, retryAfter: 0 };
    }
    return { allowed: false, limit, remaining: 0, resetSeconds, retryAfter: secondsUntilAllowed(state.previous, state.count, limit, nowMs, windowStart) };
  }

  /** Writes every count not yet written; for shutdown. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#writing) await this.#writing;
    if (this.#dirty.size > 0) await this.#write();
  }

  /** The account's state for this window; concurrent first requests share one read. */
  async #load(accountId: number, windowStart: number): Promise<AccountWindow> {
    const key = accountId;
    let loading = this.#loading.get(key);
    if (!loading) {
      const known = this.#windows.get(accountId);
      loading = (async () => {
        const previous = known && known.windowStart === windowStart - RATE_WINDOW_MS ? known.count : await readWindowCount(this.store.db, accountId, windowStart - RATE_WINDOW_MS);
        const count = await readWindowCount(this.store.db, accountId, windowStart);
        const state = { windowStart, previous, count };
        // Another request may have rolled the window meanwhile; the newest window wins.
        const current = this.#windows.get(accountId);
        if (!current || current.windowStart < windowStart) this.#windows.set(accountId, state);
        return this.#windows.get(accountId)!;
      })().finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    const state = await loading;
    // A request stamped in an older window than the account has moved to counts in the newer one.
    return state.windowStart >= windowStart ? state : this.#load(accountId, windowStart);
  }

  #schedule(): void {
    if (this.#timer || this.#writing || this.#dirty.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#write();
    }, WRITE_DELAY_MS);
    this.#timer.unref();
  }

  #write(): Promise<void> {
    const batch = [...this.#dirty.entries()].map(([key, { accountId, state }]) => ({ key, accountId, state, windowStart: state.windowStart, count: state.count }));
    this.#dirty.clear();
    this.#writing = writeTransaction(this.store, async (trx) => {
      for (const { accountId, windowStart, count } of batch) {
        await raiseWindowCount(trx, accountId, windowStart, count);
        // Windows before the previous one no longer count.
        await deleteWindowsBefore(trx, accountId, windowStart - RATE_WINDOW_MS);
      }
    })
      .then(
        () => {
          this.#writing = null;
          this.#schedule();
        },
        () => {
          // Counting goes on in memory; these counts are written with the batch the next request schedules.
          for (const { key, accountId, state } of batch) if (!this.#dirty.has(key)) this.#dirty.set(key, { accountId, state });
          this.#writing = null;
        },
      );
    return this.#writing;
  }
}

const limiters = new WeakMap<Store, LocalRateLimiter>();

/** The store's one in-memory limiter in this process. */
export function localRateLimiter(store: Store): LocalRateLimiter {
  let limiter = limiters.get(store);
  if (!limiter) limiters.set(store, (limiter = new LocalRateLimiter(store)));
  return limiter;
}
