// Group commit for answered valuations: each request's row and credit are written, with those of every
// other request that finished valuing meanwhile, in one write transaction per turn of the event loop, and
// the request is answered only after that transaction commits. A commit (and on PostgreSQL the holder's
// row lock, which serialises one account's concurrent charges) is paid once per batch instead of once per
// request; nothing is held back in memory: an answer that says "charged" is already durable, and a
// request whose batch did not commit is answered with the error and charged nothing.
//
// Inside the transaction the batch follows the single-request rules exactly: each holder's balance is read
// under its lock (PostgreSQL: rows locked in a fixed order, so two processes' batches cannot deadlock;
// SQLite: BEGIN IMMEDIATE), every charged valuation takes one credit with the unique reference
// `valuation:<id>`, and a valuation the balance cannot cover is not written and reported insufficient.
//
// Several processes may serve one SQLite file. The write lock is never waited for inside SQLite (its busy
// handler sleeps in the event loop, stalling every request of the process): when another process holds
// it, the batch goes back to the head of the queue and is tried again a moment later, by then joined by
// whatever finished valuing meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Store } from '../../store/database.js';
import type { Database } from '../../store/schema.js';
import { insertEntriesOnce, insertEntryOnce, tryWriteTransaction, type NewLedgerEntry } from '../../store/repositories/ledger.js';
import { retryWhileWriteLockBusy, SQLITE_BUSY_TIMEOUT_MS, WRITE_LOCK_BUSY, WRITE_LOCK_RETRY_MS, WriteLockTimeoutError } from '../../store/write-lock.js';
import { insertValuation, insertValuationsOnPostgres, type NewValuation } from '../../store/repositories/valuations.js';
import { findHolder, lockHolderBalance, type Holder } from '../ledger/lock-holder.js';
import { noteBalance } from '../ledger/precheck-balance.js';

export interface ValuationToRecord {
  valuation: NewValuation;
  /** Take one credit (a success); no-value answers are recorded free. */
  charge: boolean;
}

export type Recorded = { valuationId: number } | { insufficient: true };

interface Pending {
  item: ValuationToRecord;
  resolve(result: Recorded): void;
  reject(error: unknown): void;
  /** When it was handed over (Date.now()): how long it has waited for the write lock is measured from here. */
  since: number;
}

/** Most rows in one transaction: keeps a lock's hold time bounded however far the queue has grown. */
const MAX_BATCH = 256;

export class ValuationRecorder {
  #queue: Pending[] = [];
  #running: Promise<void> | null = null;

  /**
   * `lockWaitLimitMs`: how long a batch waits for SQLite's write lock before its requests fail (as long as
   * SQLite's own busy timeout, by default); nothing of a failed batch is written or charged.
   */
  constructor(
    private readonly store: Store,
    private readonly lockWaitLimitMs = SQLITE_BUSY_TIMEOUT_MS,
  ) {}

  /** Resolves once the valuation (and its credit, when charged) has committed, or as insufficient. */
  record(item: ValuationToRecord): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject, since: Date.now() });
      // The batch closes when the current turn of the event loop has run: every request that finished
      // valuing in it joins. Later arrivals wait for the running batch and form the next.
      this.#running ??= new Promise<void>((done) => setImmediate(() => void this.#drainQueue().finally(done)));
    });
  }

  /** Resolves when everything recorded so far has been written (or has failed); for shutdown. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drainQueue(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        if (await this.#flush(batch)) continue;
        // Another process holds the write lock. Each request waits at most lockWaitLimitMs from when it
        // was handed over (however many batches ahead of it timed out); the rest go back to the head of
        // the queue and are tried again with whatever joins them meanwhile.
        const now = Date.now();
        const waiting: Pending[] = [];
        for (const pending of batch) {
          if (now - pending.since >= this.lockWaitLimitMs) pending.reject(new WriteLockTimeoutError(now - pending.since));
          else waiting.push(pending);
        }
        if (waiting.length === 0) continue;
        this.#queue.unshift(...waiting);
        await sleep(WRITE_LOCK_RETRY_MS);
      }
    } finally {
      this.#running = null;
    }
  }

  /** Settles every request of the batch; false (settling none) when another process held the write lock. */
  async #flush(batch: Pending[]): Promise<boolean> {
    let results: Recorded[] | typeof WRITE_LOCK_BUSY;
    try {
      results = await this.#commit(batch.map((p) => p.item));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return true;
      }
      // One bad row must not fail its neighbours: each is tried alone, and only the failing one fails. Each
      // still waits for the write lock at most the limit from when it was handed over, not a limit per row.
      for (const pending of batch) {
        try {
          const left = Math.max(0, this.lockWaitLimitMs - (Date.now() - pending.since));
          const [result] = await retryWhileWriteLockBusy(() => this.#commit([pending.item]), left);
          pending.resolve(result!);
        } catch (alone) {
          pending.reject(alone);
        }
      }
      return true;
    }
    if (results === WRITE_LOCK_BUSY) return false;
    batch.forEach((pending, i) => pending.resolve(results[i]!));
    return true;
  }

  async #commit(items: ValuationToRecord[]): Promise<Recorded[] | typeof WRITE_LOCK_BUSY> {
    const balances = new Map<string, number>();
    const results = await tryWriteTransaction(this.store.db, async (trx) => {
      const holderOfAccount = await this.#lockHolders(trx, items, balances);
      // Which items are written, and which of them charged to which holder, in order.
      const written: Array<{ item: ValuationToRecord; holder: string | null }> = [];
      const recorded: Array<Recorded | null> = items.map((item) => {
        const holder = item.charge ? holderOfAccount.get(item.valuation.accountId)! : null;
        if (holder !== null) {
          const balance = balances.get(holder)!;
          if (balance < 1) return { insufficient: true };
          balances.set(holder, balance - 1);
        }
        written.push({ item, holder });
        return null;
      });
      const ids = await this.#insertValuations(trx, written.map((w) => w.item.valuation));
      const createdAt = new Date().toISOString();
      const debits = written.flatMap(({ item, holder }, k) =>
        holder === null ? [] : [{ holder, accountId: item.valuation.accountId, amount: -1, reference: `valuation:${ids[k]!}`, valuationId: ids[k]!, createdAt }],
      );
      // A fresh valuation id cannot have been charged before; if it was, the ledger is not what this code assumes.
      if ((await this.#insertDebits(trx, debits)) !== debits.length) throw new Error(`ledger already holds one of ${debits.map((d) => d.reference).join(', ')}`);
      let k = 0;
      return recorded.map((r) => r ?? { valuationId: ids[k++]! });
    });
    if (results === WRITE_LOCK_BUSY) return results;
    // What each holder's balance is now that the batch committed, for the 402 pre-check.
    for (const [holder, balance] of balances) noteBalance(this.store.db, holder, balance);
    return results;
  }

  /**
   * The batch's valuations, ids in order. PostgreSQL takes several in one statement (a round trip each was
   * most of a batch's time there); on SQLite each insert is a synchronous call on the held connection.
   */
  async #insertValuations(trx: Kysely<Database>, valuations: NewValuation[]): Promise<number[]> {
    if (this.store.dialect === 'postgres' && valuations.length > 1) return insertValuationsOnPostgres(trx, valuations);
    const ids: number[] = [];
    for (const valuation of valuations) ids.push(await insertValuation(trx, valuation));
    return ids;
  }

  /** The batch's debits (as #insertValuations); how many were written. */
  async #insertDebits(trx: Kysely<Database>, debits: NewLedgerEntry[]): Promise<number> {
    if (this.store.dialect === 'postgres' && debits.length > 1) return insertEntriesOnce(trx, debits);
    let written = 0;
    for (const debit of debits) if ((await insertEntryOnce(trx, debit)) !== null) written++;
    return written;
  }

  /**
   * The holder (own or organisation balance) of each charged account, each holder locked (PostgreSQL, in
   * sorted order) and its balance summed before this transaction inserts anything for it.
   */
  async #lockHolders(trx: Kysely<Database>, items: ValuationToRecord[], balances: Map<string, number>): Promise<Map<number, string>> {
    const holderOfAccount = new Map<number, string>();
    const holders = new Map<string, Holder>();
    for (const { valuation, charge } of items) {
      if (!charge || holderOfAccount.has(valuation.accountId)) continue;
      const found = await findHolder(trx, valuation.accountId);
      holderOfAccount.set(valuation.accountId, found.holder);
      holders.set(found.holder, found);
    }
    for (const holder of [...holders.keys()].sort()) balances.set(holder, await lockHolderBalance(trx, holders.get(holder)!));
    return holderOfAccount;
  }
}

const recorders = new WeakMap<Store, ValuationRecorder>();

/** The store's one recorder (one batch queue per store and process). */
export function valuationRecorder(store: Store): ValuationRecorder {
  let recorder = recorders.get(store);
  if (!recorder) recorders.set(store, (recorder = new ValuationRecorder(store)));
  return recorder;
}
