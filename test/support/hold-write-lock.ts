// Stands in for another process in the middle of a write: holds the lock a charge or a rate-limit claim
// needs until released. SQLite: a separate connection inside BEGIN IMMEDIATE (the database's one write
// lock). PostgreSQL: a separate client holding the account's row FOR UPDATE (what a charge locks).
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { StoreTarget } from './stores.js';

export async function holdWriteLock(target: StoreTarget, accountId: number): Promise<() => Promise<void>> {
  if (target.name === 'sqlite') {
    const other = new SQLite(target.url);
    other.prepare('begin immediate').run();
    return async () => {
      other.prepare('commit').run();
      other.close();
    };
  }
  const client = new pg.Client({ connectionString: target.url, ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}) });
  await client.connect();
  await client.query('begin');
  await client.query('select id from accounts where id = $1 for update', [accountId]);
  return async () => {
    await client.query('commit');
    await client.end();
  };
}
