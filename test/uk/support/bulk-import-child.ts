// A process that starts a bulk Price Paid import and kills itself with SIGKILL part-way, at a progress
// report once the import has written pages into the database file itself (its page cache shrunk so that
// they spill there), leaving the file as a crash would (import-price-paid.test.ts). Arguments: the SQLite file and the Price Paid file.
// Prints the file's size before the import and at the kill.
import { statSync } from 'node:fs';
import { openStore, sqliteHandlesOf } from '../../../src/store/database.js';
import { importPricePaid } from '../../../src/data/uk/import-price-paid.js';

const [dbPath, file] = process.argv.slice(2) as [string, string];
const store = await openStore({ url: dbPath });
const before = statSync(dbPath).size;
let shrunk = false;
await importPricePaid(store, file, {
  marketId: 'uk-killed',
  bulk: true,
  batchSize: 500,
  progress: {
    // Progress comes after each read of the file, once the batches before it are written.
    update() {
      if (!shrunk) {
        // The bulk writer works on the store's own connection: with ten pages of cache the next batches
        // spill into the file.
        sqliteHandlesOf(store.db)!.writer.pragma('cache_size = 10');
        shrunk = true;
        return;
      }
      const size = statSync(dbPath).size;
      if (size === before) return;
      process.stdout.write(`${before} ${size}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
    finish() {},
  },
});
process.stdout.write('finished without being killed\n');
