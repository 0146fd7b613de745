// Moves SQLite's WAL checkpoints off the serving thread. SQLite checkpoints automatically inside the commit
// that takes the WAL past 1,000 pages, on whichever thread committed: with every valuation writing about
// a page (its stored request and answer), a serving process stalled for the checkpoint's copy and fsync
// (3-13 ms measured on a quiet disk, more on a busy one) about once per thousand valuations, with every
// request it was holding: a p99 made of checkpoints. While the checkpointer runs, the store's writing
// connection never checkpoints; a worker thread with its own connection does, every `intervalMs`
// (PASSIVE: it never waits for, nor blocks, readers or writers).
import { Worker } from 'node:worker_threads';
import { sqliteHandlesOf, type Store } from './database.js';

export interface CheckpointResult {
  /** Frames in the WAL, and how many of them are now in the database file (-1 when it could not run). */
  log: number;
  checkpointed: number;
  busy: number;
}

export interface WalCheckpointer {
  /** Checkpoints now, in the worker; resolves with SQLite's answer. */
  checkpoint(): Promise<CheckpointResult>;
  /** Stops the worker and gives the writing connection its automatic checkpoints back. */
  stop(): Promise<void>;
}

/** SQLite's default: checkpoint when the WAL reaches this many pages. */
const AUTOCHECKPOINT_PAGES = 1000;

/** Null for PostgreSQL and in-memory SQLite (nothing to checkpoint). */
export function startWalCheckpointer(store: Store, intervalMs = 500): WalCheckpointer | null {
  const handles = sqliteHandlesOf(store.db);
  if (store.dialect !== 'sqlite' || !handles || store.location === ':memory:') return null;
  const worker = new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), { workerData: { path: store.location, intervalMs } });
  worker.unref();
  handles.writer.pragma('wal_autocheckpoint = 0');
  let stopped: Promise<void> | null = null;
  const checkpointInCommits = () => {
    if (handles.writer.open) handles.writer.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  };
  // A worker that dies (it cannot open the file, say) must not leave the WAL growing without end: the
  // writing connection goes back to checkpointing inside its commits.
  worker.on('error', () => {});
  worker.on('exit', checkpointInCommits);
  return {
    checkpoint: () =>
      new Promise<CheckpointResult>((resolve, reject) => {
        // The worker never keeps the process alive, except while someone waits for its answer.
        worker.ref();
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage('checkpoint');
      }).finally(() => worker.unref()),
    stop: () =>
      (stopped ??= (async () => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.ref();
        worker.postMessage('stop');
        await exited;
      })()),
  };
}
