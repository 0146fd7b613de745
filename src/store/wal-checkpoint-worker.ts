// The worker thread behind wal-checkpointer.ts: its own connection to the SQLite file, checkpointing the
// WAL on a timer and when asked, so that no serving thread ever does it inside a commit.
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

interface Settings {
  path: string;
  intervalMs: number;
}

const { path, intervalMs } = workerData as Settings;
const database = new SQLite(path, { fileMustExist: true });
// PASSIVE never waits for readers or writers; a lock held elsewhere just means "next time".
database.pragma('busy_timeout = 0');
const checkpoint = database.prepare('pragma wal_checkpoint(PASSIVE)');

function run(): { busy: number; log: number; checkpointed: number } {
  try {
    return checkpoint.get() as { busy: number; log: number; checkpointed: number };
  } catch {
    return { busy: 1, log: -1, checkpointed: -1 };
  }
}

const timer = setInterval(run, intervalMs);
parentPort!.on('message', (message: 'checkpoint' | 'stop') => {
  if (message === 'checkpoint') {
    parentPort!.postMessage(run());
    return;
  }
  clearInterval(timer);
  database.close();
  parentPort!.close();
});
