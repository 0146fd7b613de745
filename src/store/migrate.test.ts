import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { createStoreTarget, storeTargetNames, type StoreTarget } from '../../test/support/stores.js';
import { openStore, type Store } from './database.js';
import { MigrationFailedError, migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';

/** A fresh database of the target for `fn`, dropped after. */
async function withTarget(name: 'sqlite' | 'postgres', fn: (target: StoreTarget) => Promise<void>): Promise<void> {
  const target = await createStoreTarget(name);
  try {
    await fn(target);
  } finally {
    await target.destroy();
  }
}

/** A property row of market 'm' with source key `key`. */
function propertyRow(key: string, now: string) {
  return { market_id: 'm', source_key: key, uprn: null, address: null, postcode: null, postcode_key: null, latitude: 1, longitude: 2, property_type: null, attributes: '{}', created_at: now, updated_at: now };
}

/** The indexes of `sales` as SQLite lists them (name, unique, origin: c for CREATE INDEX, u for a constraint). */
async function salesIndexes(store: Store) {
  return (await sql<{ name: string; unique: number; origin: string }>`select name, "unique", origin from pragma_index_list('sales') order by name`.execute(store.db)).rows;
}

for (const name of storeTargetNames()) {
  describe(`migrations on ${name}`, () => {
    it('apply on a fresh database, are idempotent, and give working identity columns', () =>
      withTarget(name, async (target) => {
        const first = await target.open();
        await first.close();
        const store = await target.open(); // second open runs the migrator again: nothing to do
        const now = new Date().toISOString();
        await store.db.insertInto('markets').values({ id: 'm', name: 'M', config: '{}', created_at: now, updated_at: now }).execute();
        const ids: number[] = [];
        for (const key of ['a', 'b']) {
          const row = await store.db.insertInto('properties').values(propertyRow(key, now)).returning('id').executeTakeFirstOrThrow();
          ids.push(row.id);
        }
        assert.equal(typeof ids[0], 'number');
        assert.equal(ids[1], ids[0]! + 1);
        await assert.rejects(store.db.insertInto('properties').values(propertyRow('a', now)).execute(), /unique|UNIQUE/);
        await store.close();
      }));

    it('0011 moves the sales key to an index a bulk import can drop, keeping every sale, its id and the id sequence', () =>
      withTarget(name, async (target) => {
        const store = await openStore({ url: target.url, schema: target.schema });
        const before = Object.fromEntries(Object.entries(migrations).filter(([key]) => key < '0011'));
        await migrateToLatest(store, before);
        const now = new Date().toISOString();
        await store.db.insertInto('markets').values({ id: 'm', name: 'M', config: '{}', created_at: now, updated_at: now }).execute();
        const property = await store.db.insertInto('properties').values(propertyRow('p', now)).returning('id').executeTakeFirstOrThrow();
        const sale = (key: string, price: number) => ({ market_id: 'm', property_id: property.id, source_key: key, sale_date: '2020-01-01', price, is_market: 1, non_market_reason: null, attributes: '{}', created_at: now });
        const allSales = () => store.db.selectFrom('sales').selectAll().orderBy('id').execute();
        for (const [key, price] of [['a', 100], ['b', 200], ['c', 300]] as const) await store.db.insertInto('sales').values(sale(key, price)).execute();
        // The highest id deleted: the rebuilt table must not give it again.
        await store.db.deleteFrom('sales').where('source_key', '=', 'c').execute();
        const kept = await allSales();

        await migrateToLatest(store);
        assert.deepEqual(await allSales(), kept);
        const next = await store.db.insertInto('sales').values(sale('d', 400)).returning('id').executeTakeFirstOrThrow();
        assert.equal(next.id, kept.at(-1)!.id + 2);
        await assert.rejects(store.db.insertInto('sales').values(sale('a', 1)).execute(), /unique|UNIQUE/);
        await store.db.insertInto('sales').values(sale('a', 150)).onConflict((oc) => oc.columns(['market_id', 'source_key']).doUpdateSet({ price: 150 })).execute();
        assert.deepEqual(await store.db.selectFrom('sales').select(['source_key', 'price']).orderBy('id').execute(), [
          { source_key: 'a', price: 150 },
          { source_key: 'b', price: 200 },
          { source_key: 'd', price: 400 },
        ]);
        if (store.dialect === 'sqlite') {
          assert.deepEqual(await salesIndexes(store), [
            { name: 'sales_market_date', unique: 0, origin: 'c' },
            { name: 'sales_market_source_key', unique: 1, origin: 'c' },
            { name: 'sales_property', unique: 0, origin: 'c' },
          ]);
          // Down gives the key back to a table constraint, every row kept.
          const rows = await allSales();
          await migrations['0011_sales_key_index']!.down!(store.db as Kysely<unknown>);
          assert.deepEqual(await allSales(), rows);
          assert.deepEqual(await salesIndexes(store), [
            { name: 'sales_market_date', unique: 0, origin: 'c' },
            { name: 'sales_property', unique: 0, origin: 'c' },
            { name: 'sqlite_autoindex_sales_1', unique: 1, origin: 'u' },
          ]);
        }
        await store.close();
      }));

    it('fail at once, naming the migration, when one is broken (not retried as a lost race)', () =>
      withTarget(name, async (target) => {
        const store = await target.open();
        let runs = 0;
        // Creating a table that is there: "already exists", the words a race lost while Kysely makes its own
        // tables would give.
        const broken = {
          ...migrations,
          '9999_broken': {
            async up(db: Kysely<unknown>) {
              runs++;
              await db.schema.createTable('markets').addColumn('id', 'text').execute();
            },
          },
        };
        await assert.rejects(migrateToLatest(store, broken), (error: Error) => error instanceof MigrationFailedError && error.migrationName === '9999_broken');
        assert.equal(runs, 1);
        await store.close();
      }));
  });
}

describe('migrations started by several processes at once', () => {
  it('leave one working schema on a fresh SQLite file', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { execFile } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'valora-race-'));
    try {
      // Several rounds, each on a fresh file: one round lost the race only now and then (a migration applied
      // twice: "duplicate column name"), before migrations ran in one transaction.
      for (let round = 0; round < 3; round++) {
        const file = join(dir, `valora-${round}.sqlite`);
        const script = `const { openStore } = await import(${JSON.stringify(new URL('./database.js', import.meta.url).href)});
          const { migrateToLatest } = await import(${JSON.stringify(new URL('./migrate.js', import.meta.url).href)});
          const s = await openStore({ url: ${JSON.stringify(file)} }); await migrateToLatest(s); await s.close();`;
        const runs = Array.from({ length: 4 }, () => new Promise<string>((resolve) => execFile(process.execPath, ['--input-type=module', '-e', script], (error, _out, err) => resolve(error ? err.trim().split('\n').find((l) => l.includes('Error')) ?? err : 'ok'))));
        assert.deepEqual(await Promise.all(runs), ['ok', 'ok', 'ok', 'ok'], `round ${round}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
