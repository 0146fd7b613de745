import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { storeTargetNames, withStore } from '../../test/support/stores.js';
import { openStore, sqliteHandlesOf } from './database.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

describe('WAL checkpoints in a worker thread on sqlite', () => {
  it('takes the checkpoints off the writing connection and copies every frame into the database', async () => {
    await withStore('sqlite', async (store) => {
      const writer = sqliteHandlesOf(store.db)!.writer;
      // A timer far off: the checkpoint asked for below is the only one.
      const checkpointer = startWalCheckpointer(store, 3_600_000)!;
      try {
        assert.equal(writer.pragma('wal_autocheckpoint', { simple: true }), 0);
        await sql`create table filler (id integer primary key, text text)`.execute(store.db);
        const insert = writer.prepare('insert into filler (text) values (?)');
        // Well past the 1,000 pages at which the writer would have checkpointed inside a commit.
        for (let i = 0; i < 1500; i++) insert.run('x'.repeat(4000));
        const result = await checkpointer.checkpoint();
        assert.ok(result.log >= 1500, `WAL of ${result.log} frames: the writer did not checkpoint it away`);
        assert.equal(result.checkpointed, result.log);
      } finally {
        await checkpointer.stop();
      }
      assert.equal(writer.pragma('wal_autocheckpoint', { simple: true }), 1000, 'automatic checkpoints are back once stopped');
    });
  });

  it('is nothing for an in-memory database', async () => {
    const memory = await openStore({ url: ':memory:' });
    try {
      assert.equal(startWalCheckpointer(memory), null);
    } finally {
      await memory.close();
    }
  });
});

for (const name of storeTargetNames().filter((n) => n === 'postgres')) {
  describe(`WAL checkpointer on ${name}`, () => {
    it('is nothing (PostgreSQL checkpoints itself)', async () => {
      await withStore(name, async (store) => assert.equal(startWalCheckpointer(store), null));
    });
  });
}
