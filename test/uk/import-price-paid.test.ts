import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { marketsDir } from '../../src/paths.js';
import { importPostcodes } from '../../src/data/uk/import-postcodes.js';
import { bulkBatchSize, importPricePaid } from '../../src/data/uk/import-price-paid.js';
import { ukMarketConfig } from '../../src/data/uk/uk-market-config.js';
import SQLite from 'better-sqlite3';
import { openStore, sqliteHandlesOf, type Store } from '../../src/store/database.js';
import { findPropertyById } from '../../src/store/repositories/properties.js';
import { createStoreTarget, storeTargetNames, withStore } from '../support/stores.js';
import { onspd, ppdLine, tempDir, writeFile } from './fixtures.js';

const SAMPLE = resolve(marketsDir, 'uk-samples/ppd-1995-sample.csv');
const BULK_IMPORT_CHILD = fileURLToPath(new URL('./support/bulk-import-child.js', import.meta.url));

/** A market's sales, by transaction id, with the address of the property each joined. */
function salesWithAddress(store: Store, market: string) {
  return store.db
    .selectFrom('sales')
    .innerJoin('properties', 'properties.id', 'sales.property_id')
    .select(['sales.source_key', 'sales.price', 'properties.address'])
    .where('sales.market_id', '=', market)
    .orderBy('sales.source_key')
    .execute();
}

/**
 * Places every postcode of the real sample (the tests only need them placed; coordinates are arbitrary);
 * answers the sample's non-blank lines.
 */
async function placeSamplePostcodes(store: Store): Promise<string[]> {
  const lines = readFileSync(SAMPLE, 'utf8').split('\n').filter((l) => l.trim());
  const postcodes = [...new Set(lines.map((l) => l.split('","')[3]!).filter((p) => p))].sort();
  await importPostcodes(store, writeFile(tempDir(), 'onspd.csv', onspd(postcodes.map((p, i) => [p, 51 + (i % 300) / 100, -2 + (i % 97) / 100]))));
  return lines;
}

async function countSales(store: Store, market: string): Promise<number> {
  const row = await store.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('market_id', '=', market).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('bulkBatchSize', () => {
  it('is about a twentieth of the file, from 250,000 to 1,000,000 rows', () => {
    assert.deepEqual([200_000, 5_000_000, 10_000_000, 30_000_000].map(bulkBatchSize), [250_000, 250_000, 500_000, 1_000_000]);
  });
});

for (const target of storeTargetNames()) {
  describe(`Price Paid import on ${target}`, () => {
    it('accounts for every row of the real 1995 sample, and a re-import changes nothing', async () => {
      await withStore(target, async (store) => {
        const lines = await placeSamplePostcodes(store);

        const report = await importPricePaid(store, SAMPLE, { marketId: 'uk-1995' });
        assert.equal(report.records, lines.length);
        assert.equal(report.records, report.added + report.changed + report.deleted + report.deletedUnknown + report.superseded + report.rejected);
        // The sample's eight sales with no postcode cannot be placed: each is reported with its line.
        assert.deepEqual(report.rejections.map((r) => r.line), [2615, 3490, 4396, 5997, 6060, 8041, 8405, 9147]);
        assert.ok(report.rejections.every((r) => r.reason.includes('postcode (field 4) is empty')));
        const sales = await store.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('market_id', '=', 'uk-1995').executeTakeFirstOrThrow();
        assert.equal(Number(sales.n), report.added);
        assert.equal(report.added, lines.length - 8);

        const first = await store.db.selectFrom('sales').innerJoin('properties', 'properties.id', 'sales.property_id')
          .select(['sales.price', 'sales.sale_date', 'sales.attributes', 'properties.address', 'properties.postcode', 'properties.postcode_key', 'properties.property_type'])
          .where('sales.source_key', '=', '5BBE9CB3-6332-4EB0-9CD3-8737CEA4A65A').executeTakeFirstOrThrow();
        assert.deepEqual(
          { price: first.price, date: first.sale_date, address: first.address, postcode: first.postcode, key: first.postcode_key, type: first.property_type },
          { price: 42000, date: '1995-12-21', address: '8 Matfen Place, Fenham', postcode: 'NE4 9DN', key: 'NE49DN', type: 'Semi-Detached' },
        );
        assert.deepEqual(JSON.parse(first.attributes), { property_type: 'Semi-Detached', tenure: 'Freehold', new_build: 'N', ppd_category: 'A' });
        const property = await store.db.selectFrom('properties').select('attributes').where('address', '=', first.address).executeTakeFirstOrThrow();
        assert.equal(
          property.attributes,
          JSON.stringify({ property_type: 'Semi-Detached', tenure: 'Freehold', location_precision: 'postcode', district: 'NEWCASTLE UPON TYNE', county: 'TYNE AND WEAR' }),
        );

        const propertiesBefore = await store.db.selectFrom('properties').select(['id', 'source_key']).orderBy('id').execute();
        const again = await importPricePaid(store, SAMPLE, { marketId: 'uk-1995' });
        assert.equal(again.propertiesCreated, 0);
        const propertiesAfter = await store.db.selectFrom('properties').select(['id', 'source_key']).orderBy('id').execute();
        assert.deepEqual(propertiesAfter, propertiesBefore, 'property ids are stable across re-imports');
        const salesAgain = await store.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(salesAgain.n), report.added);
      });
    });

    it('resumes an interrupted import from its recorded offset', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        const rows = Array.from({ length: 50 }, (_, i) => ppdLine({ id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, paon: String(i + 1) }));
        const file = writeFile(dir, 'pp.csv', rows.join('\n') + '\n');
        // An import stopped after committing line 30 left this progress row (offset = the byte after line 30).
        const offset = Buffer.byteLength(rows.slice(0, 30).join('\n') + '\n');
        const { statSync } = await import('node:fs');
        const stat = statSync(file);
        const now = new Date().toISOString();
        await store.db.insertInto('markets').values({ id: 'uk-r2', name: 'r2', config: JSON.stringify(ukMarketConfig({ id: 'uk-r2', name: 'r2' })), created_at: now, updated_at: now }).execute();
        await store.db.insertInto('uk_import_progress').values({ market_id: 'uk-r2', kind: 'ppd', fingerprint: `${file}|${stat.size}|${Math.round(stat.mtimeMs)}`, offset, line: 30, done: 0, updated_at: now }).execute();
        const resumed = await importPricePaid(store, file, { marketId: 'uk-r2' });
        assert.equal(resumed.resumedFromLine, 31);
        assert.equal(resumed.records, 20);
        const keys = await store.db.selectFrom('sales').select('source_key').where('market_id', '=', 'uk-r2').orderBy('source_key').execute();
        assert.equal(keys.length, 20);
        assert.equal(keys[0]!.source_key, '00000000-0000-0000-0000-000000000030');
        // Once done, the same file imports from the start again (idempotently) rather than skipping it all.
        const rerun = await importPricePaid(store, file, { marketId: 'uk-r2' });
        assert.equal(rerun.resumedFromLine, 0);
        assert.equal(rerun.records, 50);
      });
    });

    it('applies the monthly files\' C and D records, and keeps category B out of the market unless asked', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234], ['M1 1AD', 53.48, -2.24]])));
        const id = (n: number) => `AAAAAAAA-0000-0000-0000-00000000000${n}`;
        const yearly = writeFile(dir, 'pp-2015.csv', [
          ppdLine({ id: id(1), price: '200000', paon: '1' }),
          ppdLine({ id: id(2), price: '210000', paon: '3' }),
          ppdLine({ id: id(3), price: '90000', paon: '5', category: 'B' }),
        ].join('\n') + '\n');
        const y = await importPricePaid(store, yearly, { marketId: 'uk-m' });
        assert.deepEqual([y.added, y.categoryB, y.propertiesCreated], [3, 1, 3]);

        const monthly = writeFile(dir, 'pp-monthly-update.csv', [
          ppdLine({ id: id(1), price: '205000', paon: '1', status: 'C' }), // corrected price
          ppdLine({ id: id(2), status: 'D' }), // withdrawn
          ppdLine({ id: id(9), status: 'D' }), // never seen: nothing to delete
          ppdLine({ id: id(4), price: '300000', paon: '7', status: 'A' }),
          ppdLine({ id: id(5), price: '1', paon: '9', status: 'A' }),
          ppdLine({ id: id(5), status: 'D' }), // added and withdrawn in the same file
          ppdLine({ id: id(1), price: '206000', paon: '1', status: 'C' }), // changed twice: the last wins
        ].join('\r\n') + '\r\n');
        const m = await importPricePaid(store, monthly, { marketId: 'uk-m' });
        assert.deepEqual(
          { added: m.added, changed: m.changed, deleted: m.deleted, unknown: m.deletedUnknown, superseded: m.superseded, rejected: m.rejected },
          { added: 1, changed: 1, deleted: 1, unknown: 2, superseded: 2, rejected: 0 },
        );
        const sales = await store.db.selectFrom('sales').select(['source_key', 'price', 'is_market', 'non_market_reason']).where('market_id', '=', 'uk-m').orderBy('source_key').execute();
        assert.deepEqual(sales, [
          { source_key: id(1), price: 206000, is_market: 1, non_market_reason: null },
          { source_key: id(3), price: 90000, is_market: 0, non_market_reason: 'ppd_category_b' },
          { source_key: id(4), price: 300000, is_market: 1, non_market_reason: null },
        ]);

        await importPricePaid(store, yearly, { marketId: 'uk-b', includeCategoryB: true });
        const b = await store.db.selectFrom('sales').select(['is_market']).where('market_id', '=', 'uk-b').where('source_key', '=', id(3)).executeTakeFirstOrThrow();
        assert.equal(b.is_market, 1);
      });
    });

    it('loads a fresh market in bulk exactly as in batches, and an interrupted bulk import leaves nothing', async () => {
      await withStore(target, async (store) => {
        const lines = await placeSamplePostcodes(store);
        const indexes = async () =>
          store.dialect === 'sqlite'
            ? (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name in ('sales', 'properties') order by name`.execute(store.db)).rows.map((r) => r.name)
            : [];
        const indexesBefore = await indexes();

        // A failure part-way (here the progress reporter, after the first chunk's rows were written) rolls a
        // bulk import back whole: no sale, every index still there.
        const failing = { update() { throw new Error('stopped by the test'); }, finish() {} };
        await assert.rejects(importPricePaid(store, SAMPLE, { marketId: 'uk-bulk', bulk: true, batchSize: 1000, progress: failing }), /stopped by the test/);
        const left = await store.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('market_id', '=', 'uk-bulk').executeTakeFirstOrThrow();
        if (store.dialect === 'sqlite') assert.equal(Number(left.n), 0, 'a bulk import rolls back whole');
        else assert.ok(Number(left.n) > 0, 'PostgreSQL imports in batches and keeps those it committed');
        assert.deepEqual(await indexes(), indexesBefore);
        if (store.dialect === 'postgres') {
          await store.db.deleteFrom('sales').where('market_id', '=', 'uk-bulk').execute();
          await store.db.deleteFrom('properties').where('market_id', '=', 'uk-bulk').execute();
          await store.db.deleteFrom('uk_import_progress').where('market_id', '=', 'uk-bulk').execute();
        }

        const bulk = await importPricePaid(store, SAMPLE, { marketId: 'uk-bulk', bulk: true, batchSize: 3000 });
        const batched = await importPricePaid(store, SAMPLE, { marketId: 'uk-batched', bulk: false, batchSize: 3000 });
        assert.equal(bulk.mode, store.dialect === 'sqlite' ? 'bulk' : 'batched', 'bulk is a SQLite path; PostgreSQL imports in batches');
        assert.equal(batched.mode, 'batched');
        const counts = (r: typeof bulk) => [r.records, r.added, r.rejected, r.propertiesCreated, r.categoryB, r.resumedFromLine];
        assert.deepEqual(counts(bulk), counts(batched));
        assert.deepEqual(bulk.rejections, batched.rejections);
        const marketSales = (market: string) =>
          store.db
            .selectFrom('sales')
            .innerJoin('properties', 'properties.id', 'sales.property_id')
            .select(['sales.source_key', 'sales.sale_date', 'sales.price', 'sales.is_market', 'sales.non_market_reason', 'sales.attributes', 'properties.source_key as property_key', 'properties.address', 'properties.postcode', 'properties.latitude', 'properties.attributes as property_attributes'])
            .where('sales.market_id', '=', market)
            .orderBy('sales.source_key')
            .execute();
        const fromBulk = await marketSales('uk-bulk');
        assert.equal(fromBulk.length, lines.length - 8);
        assert.deepEqual(fromBulk, await marketSales('uk-batched'));
        assert.deepEqual(await indexes(), indexesBefore, 'the indexes a bulk import drops are built again');

        // A market that already holds sales is never loaded in bulk: its next file resumes batch by batch.
        const again = await importPricePaid(store, SAMPLE, { marketId: 'uk-bulk', bulk: true });
        assert.equal(again.mode, 'batched');
        assert.equal(again.propertiesCreated, 0);
      });
    });

    it('has the file to itself in bulk when nothing else has it open (a rollback journal), shares it in WAL otherwise, and leaves the store as it was', { skip: target === 'sqlite' ? false : 'the bulk path is SQLite only' }, async () => {
      await withStore(target, async (store) => {
        const lines = await placeSamplePostcodes(store);
        const writer = sqliteHandlesOf(store.db)!.writer;
        const journal = () => String(writer.pragma('journal_mode', { simple: true }));
        // The store's read-only connection is open (a read went through it), as in a serving process.
        assert.equal(await findPropertyById(store.db, 1), undefined);

        // Interrupted while it had the file to itself: the journal rolls it back; the store is in WAL again.
        const failing = { update() { throw new Error('stopped by the test'); }, finish() {} };
        await assert.rejects(importPricePaid(store, SAMPLE, { marketId: 'uk-alone', bulk: true, batchSize: 1000, progress: failing }), /stopped by the test/);
        assert.equal(journal(), 'wal');
        assert.equal(await countSales(store, 'uk-alone'), 0);

        const alone = await importPricePaid(store, SAMPLE, { marketId: 'uk-alone', bulk: true });
        assert.equal(alone.mode, 'bulk');
        assert.equal(alone.exclusive, true);
        assert.equal(alone.timing.finishSteps.checkpoint, undefined, 'nothing to copy back from a WAL');
        assert.equal(journal(), 'wal');
        assert.equal(writer.pragma('busy_timeout', { simple: true }), 0, "the store's writes wait on the event loop again");
        assert.equal(writer.pragma('foreign_keys', { simple: true }), 1);
        assert.equal(writer.pragma('synchronous', { simple: true }), 1, 'NORMAL again, as openStore sets it');
        assert.equal(await countSales(store, 'uk-alone'), lines.length - 8);

        // Another connection (another process) has the file open: the import shares it, in WAL, as before.
        const other = new SQLite(store.location);
        try {
          other.prepare('select count(*) from sales').get();
          const shared = await importPricePaid(store, SAMPLE, { marketId: 'uk-shared', bulk: true });
          assert.equal(shared.mode, 'bulk');
          assert.equal(shared.exclusive, false);
          assert.equal(journal(), 'wal');
          assert.equal((other.prepare("select count(*) as n from sales where market_id = 'uk-shared'").get() as { n: number }).n, lines.length - 8);
        } finally {
          other.close();
        }
        // The store reads and writes as before, its read-only connection opened again.
        assert.notEqual(await findPropertyById(store.db, 1), undefined);
        await store.db.updateTable('markets').set({ name: 'renamed' }).where('id', '=', 'uk-alone').execute();
      });
    });

    it('a process killed in the middle of a bulk import that had the file to itself leaves the market as it was, and the file sound', { skip: target === 'sqlite' ? false : 'the bulk path is SQLite only' }, async () => {
      const where = await createStoreTarget(target);
      try {
        const store = await where.open();
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        // Several 4 MiB reads (progress after each), so the child dies while batches are still being written.
        const rows = Array.from({ length: 100_000 }, (_, i) => ppdLine({ id: `DDDDDDDD-0000-0000-0000-${String(i).padStart(12, '0')}`, paon: String(i % 500), street: `STREET ${Math.floor(i / 500)}` }));
        const file = writeFile(dir, 'pp.csv', rows.join('\n') + '\n');
        const propertiesBefore = await store.db.selectFrom('properties').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        await store.close();
        const child = spawnSync(process.execPath, [BULK_IMPORT_CHILD, where.url!, file], { encoding: 'utf8' });
        assert.equal(child.signal, 'SIGKILL', child.stdout + child.stderr);
        const [sizeBefore, sizeAtKill] = child.stdout.trim().split(' ').map(Number) as [number, number];
        assert.ok(sizeAtKill > sizeBefore, `the import wrote into the file itself (${sizeBefore} → ${sizeAtKill} bytes)`);
        assert.ok(existsSync(`${where.url}-journal`), 'the crash left a hot rollback journal');

        const reopened = await openStore({ url: where.url! });
        try {
          assert.equal(String(sqliteHandlesOf(reopened.db)!.writer.pragma('journal_mode', { simple: true })), 'wal');
          assert.equal(sqliteHandlesOf(reopened.db)!.writer.pragma('integrity_check', { simple: true }), 'ok');
          assert.ok(!existsSync(`${where.url}-journal`), 'rolled back on opening');
          assert.equal(await countSales(reopened, 'uk-killed'), 0);
          // The indexes it had dropped (the unique sales key among them) are back with the rollback.
          const salesIndexes = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'sales' order by name`.execute(reopened.db)).rows;
          assert.deepEqual(salesIndexes.map((r) => r.name), ['sales_market_date', 'sales_market_source_key', 'sales_property']);
          const propertiesAfter = await reopened.db.selectFrom('properties').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
          assert.equal(Number(propertiesAfter.n), Number(propertiesBefore.n));
          // Run again, it loads the file whole.
          const again = await importPricePaid(reopened, file, { marketId: 'uk-killed', bulk: true });
          assert.equal(again.exclusive, true);
          assert.equal(await countSales(reopened, 'uk-killed'), rows.length);
        } finally {
          await reopened.close();
        }
      } finally {
        await where.destroy();
      }
    });

    it('applies C and D records to sales a bulk import staged in earlier batches', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        const id = (n: number) => `EEEEEEEE-0000-0000-0000-${String(n).padStart(12, '0')}`;
        // More than one 4 MiB read, so the C and D records at the end meet sales written by an earlier batch.
        const rows = Array.from({ length: 30_000 }, (_, i) => ppdLine({ id: id(i), paon: String(i % 500), street: `STREET ${Math.floor(i / 500)}` }));
        rows.push(ppdLine({ id: id(0), price: '123000', paon: '0', street: 'STREET 0', status: 'C' }), ppdLine({ id: id(1), status: 'D' }), ppdLine({ id: id(99_999), status: 'D' }));
        const file = writeFile(dir, 'pp-large.csv', rows.join('\n') + '\n');
        const r = await importPricePaid(store, file, { marketId: 'uk-cd', bulk: true, batchSize: 1000 });
        assert.equal(r.mode, store.dialect === 'sqlite' ? 'bulk' : 'batched');
        assert.deepEqual({ added: r.added, changed: r.changed, deleted: r.deleted, unknown: r.deletedUnknown, rejected: r.rejected }, { added: 30_000, changed: 1, deleted: 1, unknown: 1, rejected: 0 });
        const sales = await store.db.selectFrom('sales').select(['source_key', 'price']).where('market_id', '=', 'uk-cd').where('source_key', 'in', [id(0), id(1), id(2)]).orderBy('source_key').execute();
        assert.deepEqual(sales, [{ source_key: id(0), price: 123000 }, { source_key: id(2), price: 250000 }]);
        assert.equal(r.propertiesCreated, 30_000);

        // Without a D record the key index is built only at the end, where the repeated id fails its first
        // build: the earlier record is dropped (the later wins), and the other market's same ids are left alone.
        const amended = writeFile(dir, 'pp-amended.csv', [...rows.slice(0, 30_001), ppdLine({ id: id(7), price: '7000', paon: '7', street: 'STREET 0', status: 'C' })].join('\n') + '\n');
        const c = await importPricePaid(store, amended, { marketId: 'uk-c', bulk: true, batchSize: 1000 });
        assert.deepEqual({ added: c.added, changed: c.changed, deleted: c.deleted }, { added: 30_000, changed: 2, deleted: 0 });
        const amendedSales = await store.db.selectFrom('sales').select(['source_key', 'price']).where('market_id', '=', 'uk-c').where('source_key', 'in', [id(0), id(6), id(7)]).orderBy('source_key').execute();
        assert.deepEqual(amendedSales, [{ source_key: id(0), price: 123000 }, { source_key: id(6), price: 250000 }, { source_key: id(7), price: 7000 }]);
        assert.equal(await countSales(store, 'uk-c'), 30_000);
        assert.equal(await countSales(store, 'uk-cd'), 29_999);
      });
    });

    it('loads sales that do not fit the fixed-width record (a long id, a price of 10^12) in bulk and in batches', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        const longId = 'FFFFFFFF-0000-0000-0000-000000000001-WITH-A-TAIL';
        const file = writeFile(dir, 'pp-wide.csv', [
          ppdLine({ id: longId, paon: '1' }),
          ppdLine({ id: 'FFFFFFFF-0000-0000-0000-000000000002', price: '1000000000000', paon: '2' }),
          ppdLine({ id: 'FFFFFFFF-0000-0000-0000-000000000003', paon: '1' }),
          ppdLine({ id: longId, price: '260000', paon: '1', status: 'C' }),
        ].join('\n') + '\n');
        for (const [market, bulk] of [['uk-wide-bulk', true], ['uk-wide-batched', false]] as const) {
          const r = await importPricePaid(store, file, { marketId: market, bulk });
          assert.deepEqual({ added: r.added, changed: r.changed, superseded: r.superseded, properties: r.propertiesCreated }, { added: 2, changed: 1, superseded: 1, properties: 2 });
          assert.deepEqual(await salesWithAddress(store, market), [
            { source_key: 'FFFFFFFF-0000-0000-0000-000000000001-WITH-A-TAIL', price: 260000, address: '1 Test Road, Didsbury' },
            { source_key: 'FFFFFFFF-0000-0000-0000-000000000002', price: 1e12, address: '2 Test Road, Didsbury' },
            { source_key: 'FFFFFFFF-0000-0000-0000-000000000003', price: 250000, address: '1 Test Road, Didsbury' },
          ]);
        }
      });
    });

    it('reads past a line longer than a 4 MiB read, reporting it and loading the records after it', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        const file = writeFile(dir, 'pp-long-line.csv', ['x'.repeat(5 << 20), ppdLine({ id: 'ABABABAB-0000-0000-0000-000000000001', paon: '4' })].join('\n') + '\n');
        const r = await importPricePaid(store, file, { marketId: 'uk-long-line' });
        assert.deepEqual({ records: r.records, added: r.added, rejected: r.rejected }, { records: 2, added: 1, rejected: 1 });
        assert.deepEqual(r.rejections, [{ line: 1, reason: 'expected 16 fields, found 1' }]);
      });
    });

    it('fails whole when the file cannot be read, leaving nothing of a bulk import', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        // A directory passes the size check but cannot be read: the reading worker's error reaches the caller.
        await assert.rejects(importPricePaid(store, dir, { marketId: 'uk-unreadable', bulk: true }), /EISDIR/);
        const left = await store.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).where('market_id', '=', 'uk-unreadable').executeTakeFirstOrThrow();
        assert.equal(Number(left.n), 0);
      });
    });

    it('reads records that break the usual shape: quotes inside fields, line breaks inside quotes, unquoted fields, CRLF', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        const file = writeFile(dir, 'pp-odd.csv', [
          ppdLine({ id: 'DDDDDDDD-0000-0000-0000-000000000001', paon: 'THE ""OLD"" MILL' }),
          ppdLine({ id: 'DDDDDDDD-0000-0000-0000-000000000002', paon: 'ROSE\nCOTTAGE' }),
          '{DDDDDDDD-0000-0000-0000-000000000003},250000,2015-06-01 00:00,M20 2TG,S,N,F,7,,TEST ROAD,DIDSBURY,MANCHESTER,MANCHESTER,GREATER MANCHESTER,A,A',
          ppdLine({ id: 'dddddddd-0000-0000-0000-000000000004', paon: '9', street: 'CAFÉ ROAD' }),
          ppdLine({ id: 'DDDDDDDD-0000-0000-0000-000000000004', paon: '9', street: 'CAFÉ ROAD', price: '260000', status: 'C' }),
          '"{DDDDDDDD-0000-0000-0000-000000000005}"x,"1"',
          '"{DDDDDDDD-0000-0000-0000-000000000006}","250000","2015-06-01 00:00","M20 2TG","F","N","L","11","","TEST ROAD","DIDSBURY","MANCHESTER","YNYS MÔN","SIR ""FÔN""","A","A"',
        ].join('\r\n') + '\r\n');
        const r = await importPricePaid(store, file, { marketId: 'uk-odd' });
        assert.deepEqual({ added: r.added, changed: r.changed, superseded: r.superseded, rejected: r.rejected }, { added: 4, changed: 1, superseded: 1, rejected: 1 });
        assert.deepEqual(r.rejections, [{ line: 7, reason: 'text after the closing quote of field 1' }]);
        assert.deepEqual(await salesWithAddress(store, 'uk-odd'), [
          { source_key: 'DDDDDDDD-0000-0000-0000-000000000001', price: 250000, address: 'The "Old" Mill, Test Road, Didsbury' },
          { source_key: 'DDDDDDDD-0000-0000-0000-000000000002', price: 250000, address: 'Rose Cottage, Test Road, Didsbury' },
          { source_key: 'DDDDDDDD-0000-0000-0000-000000000003', price: 250000, address: '7 Test Road, Didsbury' },
          { source_key: 'DDDDDDDD-0000-0000-0000-000000000004', price: 260000, address: '9 Café Road, Didsbury' },
          { source_key: 'DDDDDDDD-0000-0000-0000-000000000006', price: 250000, address: '11 Test Road, Didsbury' },
        ]);
        // District and county as written, plain (unquoted here) or not (non-ASCII, an escaped quote).
        const attributes = await store.db.selectFrom('properties').select(['address', 'attributes']).where('market_id', '=', 'uk-odd').where('address', 'in', ['7 Test Road, Didsbury', '11 Test Road, Didsbury']).orderBy('address').execute();
        assert.deepEqual(attributes, [
          { address: '11 Test Road, Didsbury', attributes: JSON.stringify({ property_type: 'Flat', tenure: 'Leasehold', location_precision: 'postcode', district: 'YNYS MÔN', county: 'SIR "FÔN"' }) },
          { address: '7 Test Road, Didsbury', attributes: JSON.stringify({ property_type: 'Semi-Detached', tenure: 'Freehold', location_precision: 'postcode', district: 'MANCHESTER', county: 'GREATER MANCHESTER' }) },
        ]);
      });
    });

    it('reports each bad line with its number and the field to fix, and loads the rest', async () => {
      await withStore(target, async (store) => {
        const dir = tempDir();
        await importPostcodes(store, writeFile(dir, 'onspd.csv', onspd([['M20 2TG', 53.414, -2.234]])));
        const good = (n: number) => ppdLine({ id: `BBBBBBBB-0000-0000-0000-00000000000${n}`, paon: String(n) });
        const file = writeFile(dir, 'pp-bad.csv', [
          good(1),
          '"{X}","1000","2015-01-01 00:00","M20 2TG"', // too few fields
          ppdLine({ id: 'C1', price: 'ten pounds' }),
          ppdLine({ id: 'C2', date: '01/02/2015' }),
          ppdLine({ id: 'C3', type: 'X' }),
          ppdLine({ id: 'C4', postcode: 'NOT A POSTCODE' }),
          ppdLine({ id: 'C5', postcode: 'SW1A 1AA' }), // well-formed but not placed
          '',
          ppdLine({ id: 'C6', paon: '', street: '' }),
          ppdLine({ id: 'C7', status: 'Q' }),
          good(2),
          '"{C8}","1000","2015-01-01 00:00","M20 2TG","S","N","F","1","","unterminated',
        ].join('\n'));
        const r = await importPricePaid(store, file, { marketId: 'uk-bad' });
        assert.equal(r.added, 2);
        const byLine = Object.fromEntries(r.rejections.map((x) => [x.line, x.reason]));
        assert.match(byLine[2]!, /expected 16 fields, found 4/);
        assert.match(byLine[3]!, /price \(field 2\)/);
        assert.match(byLine[4]!, /date of transfer \(field 3\)/);
        assert.match(byLine[5]!, /property type \(field 5\)/);
        assert.match(byLine[6]!, /postcode \(field 4\) is not a UK postcode/);
        assert.match(byLine[7]!, /SW1A 1AA \(field 4\) has no coordinates/);
        assert.match(byLine[9]!, /PAON, SAON and street/);
        assert.match(byLine[10]!, /record status \(field 16\)/);
        assert.match(byLine[12]!, /unterminated quoted field/);
        assert.equal(r.rejected, 9);
        assert.equal(r.blankLines, 1);
      });
    });
  });
}
