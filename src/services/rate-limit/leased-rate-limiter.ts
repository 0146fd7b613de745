// The rate limit for several processes sharing one database (`valora serve --workers N`, PostgreSQL): the
// count lives in the database, but a process claims it in leases of several requests at a time and spends
// them from memory, instead of writing once per request. Claims are atomic and conditional (the window's
// counter never passes the sliding-window limit), so together the processes never let more through than
// the limit; a lease is at most an eighth of the room left when it is claimed (one request as the limit
// nears), so a process sitting on unused counts can hold back others only by that much, and unused counts
// are handed back when its window rolls over and on shutdown. Refused requests are not counted.
//
// On SQLite a claim never waits for the write lock inside SQLite (tryWriteTransaction): when another
// process holds it, the claim is tried again a moment later while the event loop serves other requests.
import type { Store } from '../../store/database.js';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../store/write-lock.js';
import { writeTransaction } from '../../store/repositories/ledger.js';
import { claimWindowCounts, deleteWindowsBefore, readWindowCount, releaseWindowCounts } from '../../store/repositories/rate-limits.js';
import { RATE_WINDOW_MS, secondsUntilAllowed, windowAt, type RateLimitDecision } from './sliding-window.js';

interface Lease {
  windowStart: number;
  /** The previous window's count, read when this window's first lease was claimed. */
  previous: number;
  /** The window's count in the database (every process's claims) just after this process's last claim. */
  claimed: number;
  /** Claimed by this process and not yet spent. */
  unused: number;
}

type Claim = { granted: true } | { granted: false; previous: number; current: number };

/** The largest lease: at 2,000 requests/s a process claims about ten times a second. */
const MAX_LEASE = 256;
/** A lease takes at most this share of the room left in the window. */
const LEASE_SHARE = 1 / 8;

export class LeasedRateLimiter {
  #leases = new Map<number, Lease>();
  #claims = new Map<number, Promise<Claim>>();

  /** `lockWaitLimitMs`: how long a claim waits for SQLite's write lock before it fails (the request with it). */
  constructor(
    private readonly store: Store,
    private readonly lockWaitLimitMs = SQLITE_BUSY_TIMEOUT_MS,
  ) {}

  async consume(accountId: number, limit: number, nowMs = Date.now()): Promise<RateLimitDecision> {
    for (;;) {
      // A request stamped in an older window than the lease (it arrived just before another rolled the
      // window over) counts in the lease's window: counting it in an ended one could only let more through.
      const at = this.#timeFor(accountId, nowMs);
      const { windowStart, resetSeconds, carriedFrom } = windowAt(at);
      const lease = this.#leases.get(accountId);
      if (lease && lease.windowStart === windowStart && lease.unused > 0) {
        lease.unused--;
        const room = limit - carriedFrom(lease.previous) - lease.claimed;
        return { allowed: true, limit, remaining: Math.max(0, room + lease.unused), resetSeconds, retryAfter: 0 };
      }
      const claim = await this.#claim(accountId, limit, at);
      if (!claim.granted) {
        return { allowed: false, limit, remaining: 0, resetSeconds, retryAfter: secondsUntilAllowed(claim.previous, claim.current, limit, at, windowStart) };
      }
    }
  }

  /** The request's time, or the start of the account's lease window when that is later. */
  #timeFor(accountId: number, nowMs: number): number {
    return Math.max(nowMs, this.#leases.get(accountId)?.windowStart ?? nowMs);
  }

  /** Hands back every unused count (for shutdown: the other processes may spend them). */
  async flush(): Promise<void> {
    await Promise.allSettled(this.#claims.values());
    const unused = [...this.#leases].filter(([, lease]) => lease.unused > 0);
    this.#leases.clear();
    if (unused.length === 0) return;
    await this.#write(async (trx) => {
      for (const [accountId, lease] of unused) await releaseWindowCounts(trx, accountId, lease.windowStart, lease.unused);
    });
  }

  /** One claim at a time per account: requests that find the lease spent wait for the claim in flight. */
  #claim(accountId: number, limit: number, nowMs: number): Promise<Claim> {
    let claim = this.#claims.get(accountId);
    if (!claim) {
      claim = this.#claimLease(accountId, limit, nowMs).finally(() => this.#claims.delete(accountId));
      this.#claims.set(accountId, claim);
    }
    return claim;
  }

  async #claimLease(accountId: number, limit: number, nowMs: number): Promise<Claim> {
    // another request's claim may have moved the lease to a later window since this one was timed
    const { windowStart, carriedFrom } = windowAt(this.#timeFor(accountId, nowMs));
    return this.#write(async (trx) => {
      let lease = this.#leases.get(accountId);
      if (lease && lease.windowStart < windowStart) {
        // Counts claimed in an earlier window and never spent go back, so they stop counting against it.
        const { windowStart: ended, unused } = lease;
        lease.unused = 0;
        this.#leases.delete(accountId);
        lease = undefined;
        await releaseWindowCounts(trx, accountId, ended, unused);
      }
      const previous = lease ? lease.previous : await readWindowCount(trx, accountId, windowStart - RATE_WINDOW_MS);
      const counted = await readWindowCount(trx, accountId, windowStart);
      const maxCount = limit - carriedFrom(previous);
      const size = Math.min(MAX_LEASE, Math.max(1, Math.floor((maxCount - counted) * LEASE_SHARE)));
      let granted = size;
      let claimed = await claimWindowCounts(trx, accountId, windowStart, size, maxCount);
      // Another process claimed between the read and the claim (PostgreSQL): then one count, if it fits.
      if (claimed === null && size > 1) {
        granted = 1;
        claimed = await claimWindowCounts(trx, accountId, windowStart, 1, maxCount);
      }
      if (claimed === null) return { granted: false, previous, current: counted } as const;
      // The first claim of a window tidies the account's windows that no longer count.
      if (counted === 0) await deleteWindowsBefore(trx, accountId, windowStart - RATE_WINDOW_MS);
      this.#leases.set(accountId, { windowStart, previous, claimed, unused: (lease?.unused ?? 0) + granted });
      return { granted: true } as const;
    });
  }

  /** A write transaction that waits for SQLite's write lock on the event loop, never inside SQLite. */
  #write<T>(fn: Parameters<typeof writeTransaction<T>>[1]): Promise<T> {
    return writeTransaction(this.store, fn, this.lockWaitLimitMs);
  }
}

const limiters = new WeakMap<Store, LeasedRateLimiter>();

/** The store's one leased limiter in this process. */
export function leasedRateLimiter(store: Store): LeasedRateLimiter {
  let limiter = limiters.get(store);
  if (!limiter) limiters.set(store, (limiter = new LeasedRateLimiter(store)));
  return limiter;
}
