import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { NonBlockingSqliteDialect } from './sqlite-driver.js';
import { openStore, sqliteHandlesOf } from './database.js';
import { tryWriteTransaction, writeTransaction } from './repositories/ledger.js';
import { migrateToLatest } from './migrate.js';
import { WRITE_LOCK_BUSY, WriteLockTimeoutError } from './write-lock.js';

interface Probe {
  probe: { n: number };
}

/** A database file with a `probe` table, a Kysely over it, and another connection standing in for another process. */
function setUp(lockWaitLimitMs?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'valora-driver-'));
  const path = join(dir, 'db.sqlite');
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 10000');
  database.exec('create table probe (n integer)');
  const db = new Kysely<Probe>({ dialect: new NonBlockingSqliteDialect(database, lockWaitLimitMs) });
  const other = new SQLite(path);
  return {
    db,
    other,
    async tearDown() {
      other.close();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How many times a 5 ms interval fires while `promise` is pending for `ms` (0 when the event loop is held). */
async function ticksWhile(ms: number): Promise<number> {
  let ticks = 0;
  const interval = setInterval(() => ticks++, 5);
  await new Promise((resolve) => setTimeout(resolve, ms));
  clearInterval(interval);
  return ticks;
}

describe('the SQLite driver waits for the write lock on the event loop', () => {
  it('a write outside a transaction: the event loop runs meanwhile, and the write lands once the lock is free', async () => {
    const { db, other, tearDown } = setUp();
    try {
      other.prepare('begin immediate').run();
      const write = db.insertInto('probe').values({ n: 1 }).execute();
      assert.ok((await ticksWhile(150)) >= 10, 'timers fired while the write waited');
      // Reads answer meanwhile (WAL): the waiting write holds nothing.
      assert.deepEqual(await db.selectFrom('probe').selectAll().execute(), []);
      other.prepare('commit').run();
      await write;
      assert.deepEqual(await db.selectFrom('probe').selectAll().execute(), [{ n: 1 }]);
    } finally {
      await tearDown();
    }
  });

  it('a transaction takes the lock up front (BEGIN IMMEDIATE), without holding the event loop', async () => {
    const { db, other, tearDown } = setUp();
    try {
      other.prepare('begin immediate').run();
      const transaction = db.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('probe').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
        await trx.insertInto('probe').values({ n: Number(before.count) + 10 }).execute();
      });
      assert.ok((await ticksWhile(150)) >= 10, 'timers fired while the transaction waited');
      // What the other connection writes before it lets go is seen by the transaction's read.
      other.prepare('insert into probe (n) values (5)').run();
      other.prepare('commit').run();
      await transaction;
      assert.deepEqual((await db.selectFrom('probe').selectAll().orderBy('n').execute()).map((r) => r.n), [5, 11]);
    } finally {
      await tearDown();
    }
  });

  it('gives up with WriteLockTimeoutError after its limit, writing nothing', async () => {
    const { db, other, tearDown } = setUp(100);
    try {
      other.prepare('begin immediate').run();
      await assert.rejects(db.insertInto('probe').values({ n: 1 }).execute(), WriteLockTimeoutError);
      await assert.rejects(db.transaction().execute((trx) => trx.insertInto('probe').values({ n: 2 }).execute()), WriteLockTimeoutError);
      other.prepare('commit').run();
      assert.deepEqual(await db.selectFrom('probe').selectAll().execute(), []);
      // The connection is usable afterwards, with no transaction left open.
      await db.insertInto('probe').values({ n: 3 }).execute();
      assert.equal((await sql<{ n: number }>`select n from probe`.execute(db)).rows[0]!.n, 3);
    } finally {
      await tearDown();
    }
  });
});

describe("a SQLite store's write transactions", () => {
  it('never turn the busy handler back on: every attempt answers busy at once, and the wait is on the event loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valora-store-'));
    const store = await openStore({ url: join(dir, 'db.sqlite') });
    const other = new SQLite(join(dir, 'db.sqlite'));
    try {
      await migrateToLatest(store);
      other.prepare('begin immediate').run();
      // A pragma acts when prepared: a cached "busy_timeout = 0" run again would set nothing (the bug behind
      // a process stalling for 10 s on its second locked write).
      for (let i = 0; i < 3; i++) assert.equal(await tryWriteTransaction(store.db, async () => 'ran'), WRITE_LOCK_BUSY);
      assert.equal(sqliteHandlesOf(store.db)!.writer.pragma('busy_timeout', { simple: true }), 0);
      await assert.rejects(writeTransaction(store, async () => 'ran', 30), WriteLockTimeoutError);
      const waiting = writeTransaction(store, async (trx) => (await sql<{ n: number }>`select count(*) as n from accounts`.execute(trx)).rows[0]!.n);
      assert.ok((await ticksWhile(150)) >= 10, 'timers fired while the transaction waited');
      other.prepare('commit').run();
      assert.equal(await waiting, 0);
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
