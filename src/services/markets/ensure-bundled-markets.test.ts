import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import type { Store } from '../../store/database.js';
import { createStoreTarget, storeTargetNames, type StoreTarget } from '../../../test/support/stores.js';
import { BUNDLED_MARKET_IDS, readBundledMarket } from './bundled-markets.js';
import { ensureBundledMarkets } from './ensure-bundled-markets.js';
import { loadMarketConfig, loadSalesFrame, MarketNotFoundError } from './load-sales-frame.js';
import { isoDateToDay } from '../../data/sales-csv/parse-sale-date.js';
import type { ImportReport } from '../../data/sales-csv/import-sales-csv.js';

const csvRows = (file: string) => parse(readFileSync(file), { columns: true }) as Array<Record<string, string>>;

for (const name of storeTargetNames()) {
  describe(`bundled markets (${name})`, () => {
    let target: StoreTarget;
    let store: Store;
    let reports: ImportReport[];
    before(async () => {
      target = await createStoreTarget(name);
      store = await target.open();
      reports = await ensureBundledMarkets(store);
    });
    after(async () => {
      await store.close();
      await target.destroy();
    });

    it('imports every row of each bundled file: loaded + rejected = rows', async () => {
      assert.deepEqual(reports.map((r) => r.marketId), [...BUNDLED_MARKET_IDS]);
      for (const report of reports) {
        const rows = csvRows(readBundledMarket(report.marketId as (typeof BUNDLED_MARKET_IDS)[number]).salesFile).length;
        assert.equal(report.rows, rows, report.marketId);
        assert.equal(report.after.sales + report.rejected, rows, report.marketId);
        assert.equal(report.rejected, 0, report.marketId);
      }
      assert.deepEqual(reports.map((r) => r.rows), [20979, 2589, 932]);
    });

    it('is quick and changes nothing when the markets are there', async () => {
      assert.deepEqual(await ensureBundledMarkets(store), []);
      const frame = await loadSalesFrame(store, 'sacramento-ca');
      assert.equal(frame.count, 932);
    });

    it('follows an edited market.json: settings in place, a changed non-market rule by re-importing', async () => {
      const definition = readBundledMarket('sacramento-ca');
      const stored = await loadMarketConfig(store, 'sacramento-ca');
      const ids = async () => (await store.db.selectFrom('sales').select(['id', 'source_key']).where('market_id', '=', 'sacramento-ca').orderBy('id').execute());
      const idsBefore = await ids();
      const setStored = (config: typeof stored) =>
        store.db.updateTable('markets').set({ config: JSON.stringify(config) }).where('id', '=', 'sacramento-ca').execute();

      // As if the database held an older market.json with other tiers.
      await setStored({ ...stored, confidence: { tiers: [{ tier: 1, maxFsd: 0.5, band: 'A', haircut: 0.025, description: 'old' }] } });
      const messages: string[] = [];
      assert.deepEqual(await ensureBundledMarkets(store, { only: ['sacramento-ca'], log: (m) => messages.push(m) }), []);
      const updated = await loadMarketConfig(store, 'sacramento-ca');
      assert.deepEqual(updated.confidence, definition.config.confidence);
      assert.deepEqual(updated.features.find((f) => f.name === 'city')!.levels, stored.features.find((f) => f.name === 'city')!.levels);
      assert.match(messages.join('\n'), /config updated/);

      // An older non-market rule: the sales must be read again under the new one.
      await setStored({ ...updated, nonMarket: { ...updated.nonMarket, minPrice: 100_000 } });
      await store.db.updateTable('sales').set({ is_market: 0, non_market_reason: 'price_below_minimum' }).where('market_id', '=', 'sacramento-ca').where('price', '<', 100_000).execute();
      const reports = await ensureBundledMarkets(store, { only: ['sacramento-ca'] });
      assert.equal(reports.length, 1);
      assert.equal(reports[0]!.created, false);
      assert.deepEqual((await loadMarketConfig(store, 'sacramento-ca')).nonMarket, definition.config.nonMarket);
      assert.equal(reports[0]!.after.marketSales, 932);
      assert.deepEqual(await ids(), idsBefore);
      assert.deepEqual(await ensureBundledMarkets(store, { only: ['sacramento-ca'] }), []);
    });

    it('flags Ames sales other than Normal and Partial, and Lucas County sales under $10k', async () => {
      const ames = reports.find((r) => r.marketId === 'ames-ia')!;
      const amesRows = csvRows(readBundledMarket('ames-ia').salesFile);
      const ordinary = amesRows.filter((r) => r.sale_condition === 'Normal' || r.sale_condition === 'Partial').length;
      assert.equal(ames.after.marketSales, ordinary);
      assert.equal(ames.nonMarket['sale_condition:Abnorml'], amesRows.filter((r) => r.sale_condition === 'Abnorml').length);
      const flagged = await store.db.selectFrom('sales').select(['source_key', 'non_market_reason']).where('market_id', '=', 'ames-ia').where('is_market', '=', 0).execute();
      const conditions = new Map(amesRows.map((r) => [r.sale_id, r.sale_condition]));
      for (const s of flagged) assert.equal(s.non_market_reason, `sale_condition:${conditions.get(s.source_key)}`);

      const lucas = reports.find((r) => r.marketId === 'lucas-county-oh')!;
      const cheap = csvRows(readBundledMarket('lucas-county-oh').salesFile).filter((r) => Number(r.price) < 10_000).length;
      assert.deepEqual(lucas.nonMarket, { price_below_minimum: cheap });
    });

    it('loads a frame in sale-date order with month dates on the 15th and categoricals as level indexes', async () => {
      const config = await loadMarketConfig(store, 'ames-ia');
      const frame = await loadSalesFrame(store, 'ames-ia');
      assert.equal(frame.count, 2589);
      for (let i = 1; i < frame.count; i++) assert.ok(frame.day[i]! >= frame.day[i - 1]!);
      const rows = csvRows(readBundledMarket('ames-ia').salesFile);
      const first = rows.filter((r) => r.sale_month === '2006-01');
      assert.equal(frame.day[0], isoDateToDay('2006-01-15'));
      const saleKeys = await store.db.selectFrom('sales').select(['id', 'source_key']).where('market_id', '=', 'ames-ia').execute();
      const keyOf = new Map(saleKeys.map((s) => [s.id, s.source_key]));
      const byKey = new Map(rows.map((r) => [r.sale_id, r]));
      const neighborhoods = config.features.find((f) => f.name === 'neighborhood')!.levels!;
      const types = config.features.find((f) => f.name === 'property_type')!.levels!;
      assert.deepEqual(types, ['Duplex', 'OneFam', 'Twnhs', 'TwnhsE', 'TwoFmCon']);
      assert.deepEqual(neighborhoods, [...new Set(rows.map((r) => r.neighborhood!))].sort());
      for (let i = 0; i < frame.count; i += 97) {
        const row = byKey.get(keyOf.get(frame.saleId[i]!)!)!;
        assert.equal(frame.price[i], Number(row.price));
        assert.equal(frame.latitude[i], Number(row.latitude));
        assert.equal(neighborhoods[frame.attributes.neighborhood![i]!], row.neighborhood);
        assert.equal(types[frame.attributes.property_type![i]!], row.building_type);
        const baths = Number(row.full_baths) + 0.5 * Number(row.half_baths) + Number(row.basement_full_baths) + 0.5 * Number(row.basement_half_baths);
        assert.equal(frame.attributes.bathrooms![i], baths);
        assert.equal(frame.isMarket[i], row.sale_condition === 'Normal' || row.sale_condition === 'Partial' ? 1 : 0);
      }
      assert.ok(first.length > 0);
      // A level the config does not know reads as missing.
      const narrowed = { ...config, features: config.features.map((f) => (f.name === 'neighborhood' ? { ...f, levels: ['North_Ames'] } : f)) };
      const partial = await loadSalesFrame(store, 'ames-ia', { config: narrowed });
      for (let i = 0; i < partial.count; i++) {
        const v = partial.attributes.neighborhood![i]!;
        assert.ok(v === 0 || Number.isNaN(v));
      }
    });

    it('until excludes every later sale', async () => {
      const all = await loadSalesFrame(store, 'lucas-county-oh');
      const cut = await loadSalesFrame(store, 'lucas-county-oh', { until: '1996-12-31' });
      const limit = isoDateToDay('1996-12-31');
      const expected = Array.from(all.day).filter((d) => d <= limit).length;
      assert.equal(cut.count, expected);
      assert.ok(cut.count > 0 && cut.count < all.count);
      assert.ok(Array.from(cut.day).every((d) => d <= limit));
      assert.equal(cut.day[cut.count - 1], Math.max(...Array.from(cut.day)));
      assert.equal(Object.keys(cut.attributes).length, (await loadMarketConfig(store, 'lucas-county-oh')).features.length);
      assert.ok(!('assessed_value' in cut.attributes));
      await assert.rejects(loadSalesFrame(store, 'lucas-county-oh', { until: '1996-13-01' }), /until/);
      await assert.rejects(loadSalesFrame(store, 'atlantis'), MarketNotFoundError);
    });
  });

  // better-sqlite3 waits for a lock synchronously, so two SQLite connections in one process would stall
  // each other; test/cli-import.test.ts races two processes on both databases instead.
  describe(`bundled markets, two connections at once (${name})`, { skip: name === 'sqlite' }, () => {
    it('two connections ensuring the same market together import it once', async () => {
      const target = await createStoreTarget(name);
      const first = await target.open();
      const second = await target.open();
      try {
        const [a, b] = await Promise.all([
          ensureBundledMarkets(first, { only: ['sacramento-ca'] }),
          ensureBundledMarkets(second, { only: ['sacramento-ca'] }),
        ]);
        assert.equal(a.length + b.length, 1);
        assert.equal([...a, ...b][0]!.created, true);
        const sales = await first.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        const properties = await first.db.selectFrom('properties').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(sales.n), 932);
        assert.equal(Number(properties.n), (await loadSalesFrame(first, 'sacramento-ca')).count - 10);
      } finally {
        await first.close();
        await second.close();
        await target.destroy();
      }
    });
  });
}
