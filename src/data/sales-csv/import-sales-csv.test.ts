import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { MarketConfig } from '../../engine/types.js';
import type { Store } from '../../store/database.js';
import { createStoreTarget, storeTargetNames, type StoreTarget } from '../../../test/support/stores.js';
import { findMarket } from '../../store/repositories/markets.js';
import { importSalesCsv, SalesImportError } from './import-sales-csv.js';
import type { ColumnMapping } from './column-mapping.js';

const TODAY = '2026-11-23';

const config: MarketConfig = {
  id: 'testville',
  name: 'Testville',
  country: 'US',
  currency: 'USD',
  areaUnit: 'sqft',
  synthetic: true,
  propertyTypes: ['House', 'Condo'],
  propertyTypeAliases: { houses: 'House', condos: 'Condo' },
  features: [
    { name: 'floor_area', kind: 'numeric' },
    { name: 'bedrooms', kind: 'numeric' },
    { name: 'bathrooms', kind: 'numeric' },
    { name: 'year_built', kind: 'numeric' },
    { name: 'property_type', kind: 'categorical' },
    { name: 'style', kind: 'categorical' },
  ],
  nonMarket: { minPrice: 10_000, maxPrice: 5_000_000, minPricePerArea: 5, maxPricePerArea: 2000 },
  comparables: { radiusKm: 2, lookbackMonths: 60, minCount: 3, count: 5 },
  confidence: { tiers: [{ tier: 1, maxFsd: 0.1, band: 'A', haircut: 0.025, description: 'High confidence' }] },
};

const mapping: ColumnMapping = {
  saleId: 'id',
  date: { column: 'date', format: 'DD/MM/YYYY' },
  price: 'price',
  latitude: 'lat',
  longitude: 'lon',
  propertyKey: 'parcel',
  address: 'address',
  propertyType: { column: 'type' },
  features: {
    floor_area: { column: 'sqft' },
    bedrooms: { column: 'beds' },
    bathrooms: { sum: [{ column: 'full', times: 1 }, { column: 'half', times: 0.5 }] },
    year_built: { column: 'built' },
    style: { column: 'style', kind: 'categorical' },
  },
  nonMarket: { column: 'condition', marketValues: ['Normal'] },
};

const HEADER = 'id,date,price,lat,lon,parcel,address,type,sqft,beds,full,half,built,style,condition';
const good = (i: number, extra: Partial<Record<string, string>> = {}) => {
  const row: Record<string, string> = {
    id: `s${i}`,
    date: `0${(i % 9) + 1}/03/2020`,
    price: String(200_000 + i * 1000),
    lat: (41.6 + i / 10_000).toFixed(6),
    lon: (-83.6 - i / 10_000).toFixed(6),
    parcel: `p${i}`,
    address: `${i} Main St`,
    type: i % 3 === 0 ? 'condos' : 'House',
    sqft: String(1000 + i),
    beds: '3',
    full: '2',
    half: '1',
    built: '1990',
    style: i % 2 ? 'ranch' : 'colonial',
    condition: 'Normal',
    ...extra,
  };
  return HEADER.split(',').map((c) => row[c]).join(',');
};

for (const name of storeTargetNames()) {
  describe(`importSalesCsv (${name})`, () => {
    let target: StoreTarget;
    let store: Store;
    let dir: string;
    before(async () => {
      target = await createStoreTarget(name);
      store = await target.open();
      dir = mkdtempSync(join(tmpdir(), 'valora-import-'));
    });
    after(async () => {
      await store.close();
      await target.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    const write = (file: string, lines: string[]) => {
      const path = join(dir, file);
      writeFileSync(path, lines.join('\n') + '\n');
      return path;
    };
    const salesOf = (marketId: string) =>
      store.db.selectFrom('sales').selectAll().where('market_id', '=', marketId).orderBy('source_key').execute();

    it('imports good rows, reports each defective row by line and reason, and flags non-market sales', async () => {
      const lines = [
        HEADER,
        good(1), // line 2
        good(2, { date: '' }), // 3 missing date
        good(3, { date: '2020-03-01' }), // 4 wrong format
        good(4, { price: 'abc' }), // 5
        good(5, { price: '0' }), // 6
        good(6, { lat: '' }), // 7
        good(7, { lat: '95' }), // 8
        good(8, { lon: '-200' }), // 9
        good(9, { beds: 'three' }), // 10
        good(10, { sqft: '0' }), // 11
        good(11, { sqft: '-5' }), // 12
        good(12, { built: '2031' }), // 13
        good(13, { type: 'Castle' }), // 14
        good(14, { date: '01/01/2027' }), // 15 sale in the future
        good(15) + ',extra', // 16 field count
        good(16, { id: '' }), // 17
        good(17, { date: '30/02/2020' }), // 18 no such day
        good(18, { condition: 'Foreclosure' }), // 19 non-market, kept
        good(19, { price: '5000' }), // 20 non-market, kept
        good(20, { half: 'NA' }), // 21 missing bathroom term: bathrooms unknown, kept
        good(21, { lat: '0', lon: '0' }), // 22
      ];
      const file = write('defects.csv', lines);
      const report = await importSalesCsv(store, { marketId: 'testville', file, mapping, createWith: config, maxRejectedShare: 1, today: TODAY });
      assert.equal(report.created, true);
      assert.equal(report.rows, 21);
      assert.equal(report.imported + report.rejected, report.rows);
      const byLine = Object.fromEntries(report.rejections.map((r) => [r.line, r.reason]));
      const expected: Record<number, RegExp> = {
        3: /sale date \(date\) is missing/,
        4: /'2020-03-01' is not a DD\/MM\/YYYY date/,
        5: /price 'abc' is not a number/,
        6: /price price 0 is not positive/,
        7: /latitude \(lat\) is missing/,
        8: /latitude lat 95 is outside -90..90/,
        9: /longitude lon -200 is outside -180..180/,
        10: /bedrooms: beds 'three' is not a number/,
        11: /floor_area 0 is not positive/,
        12: /floor_area -5 is not positive/,
        13: /year_built 2031 is in the future/,
        14: /property type type 'Castle' is not one of House, Condo/,
        15: /sale date date 2027-01-01 is in the future/,
        16: /expected 15 fields, found 16/,
        17: /sale id \(id\) is missing/,
        18: /'30\/02\/2020' is not a DD\/MM\/YYYY date/,
        22: /0,0/,
      };
      assert.deepEqual(Object.keys(byLine).map(Number).sort((a, b) => a - b), Object.keys(expected).map(Number));
      for (const [line, pattern] of Object.entries(expected)) assert.match(byLine[Number(line)]!, pattern, `line ${line}`);

      const sales = await salesOf('testville');
      assert.equal(sales.length, report.imported);
      const s18 = sales.find((s) => s.source_key === 's18')!;
      assert.equal(s18.is_market, 0);
      assert.equal(s18.non_market_reason, 'condition:Foreclosure');
      const s19 = sales.find((s) => s.source_key === 's19')!;
      assert.equal(s19.non_market_reason, 'price_below_minimum');
      assert.deepEqual(report.nonMarket, { 'condition:Foreclosure': 1, price_below_minimum: 1 });
      const s1 = sales.find((s) => s.source_key === 's1')!;
      assert.equal(s1.sale_date, '2020-03-02');
      assert.equal(s1.is_market, 1);
      assert.deepEqual(JSON.parse(s1.attributes), { floor_area: 1001, bedrooms: 3, bathrooms: 2.5, year_built: 1990, style: 'ranch', property_type: 'House' });
      assert.equal(JSON.parse(sales.find((s) => s.source_key === 's20')!.attributes).bathrooms, null);
      // The alias 'condos' resolved to the market's type.
      const s21 = sales.filter((s) => JSON.parse(s.attributes).property_type === 'Condo').map((s) => s.source_key);
      assert.ok(s21.length > 0 && s21.every((k) => Number(k.slice(1)) % 3 === 0));

      const market = await findMarket(store.db, 'testville');
      const style = market!.config.features.find((f) => f.name === 'style')!;
      assert.deepEqual(style.levels, ['colonial', 'ranch']);
      assert.deepEqual(market!.config.features.find((f) => f.name === 'property_type')!.levels, ['Condo', 'House']);
      const property = await store.db.selectFrom('properties').selectAll().where('source_key', '=', 'p1').executeTakeFirstOrThrow();
      assert.equal(property.address, '1 Main St');
      assert.equal(property.property_type, 'House');
    });

    it('re-importing the same file changes nothing', async () => {
      const lines = [HEADER, ...Array.from({ length: 30 }, (_, i) => good(100 + i))];
      const file = write('again.csv', lines);
      const options = { marketId: 'again', file, mapping, createWith: { ...config, id: 'again' }, today: TODAY, chunkSize: 7 };
      const first = await importSalesCsv(store, options);
      const rowsBefore = await salesOf('again');
      const second = await importSalesCsv(store, options);
      const rowsAfter = await salesOf('again');
      assert.equal(first.after.sales, 30);
      assert.equal(second.created, false);
      assert.deepEqual(second.before, first.after);
      assert.deepEqual(second.after, first.after);
      assert.deepEqual(
        rowsAfter.map((s) => [s.id, s.source_key, s.property_id, s.price, s.sale_date, s.attributes]),
        rowsBefore.map((s) => [s.id, s.source_key, s.property_id, s.price, s.sale_date, s.attributes]),
      );
    });

    it('a property sold in several chunks keeps the attributes of its latest sale', async () => {
      const lines = [
        HEADER,
        good(1, { id: 'a', parcel: 'same', date: '01/06/2021', sqft: '2000' }),
        good(2, { id: 'b', parcel: 'same', date: '01/01/2019', sqft: '1500' }),
        good(3, { id: 'c', parcel: 'other' }),
      ];
      const file = write('repeat.csv', lines);
      await importSalesCsv(store, { marketId: 'repeat', file, mapping, createWith: { ...config, id: 'repeat' }, today: TODAY, chunkSize: 1 });
      const property = await store.db.selectFrom('properties').selectAll().where('market_id', '=', 'repeat').where('source_key', '=', 'same').executeTakeFirstOrThrow();
      assert.equal(JSON.parse(property.attributes).floor_area, 2000);
      const sales = await salesOf('repeat');
      assert.equal(sales.filter((s) => s.property_id === property.id).length, 2);
    });

    it('a failure mid-file rolls back everything, including the new market', async () => {
      // Produced lazily and far more than the stream buffers hold, so most chunks are written before the
      // source fails.
      const stream = Readable.from(
        (async function* () {
          yield HEADER + '\n';
          for (let i = 0; i < 3000; i++) yield good(200 + i) + '\n';
          throw new Error('disk read error');
        })(),
      );
      await assert.rejects(
        importSalesCsv(store, { marketId: 'broken', stream, mapping, createWith: { ...config, id: 'broken' }, today: TODAY, chunkSize: 5 }),
        (error: unknown) => error instanceof SalesImportError && /disk read error/.test(error.message) && error.partial!.imported >= 2000,
      );
      assert.equal(await findMarket(store.db, 'broken'), undefined);
      assert.equal((await salesOf('broken')).length, 0);
      assert.equal((await store.db.selectFrom('properties').selectAll().where('market_id', '=', 'broken').execute()).length, 0);
    });

    it('a source that fails before its rows are read fails the import cleanly', async () => {
      const stream = Readable.from(
        (async function* () {
          yield HEADER + '\n' + good(1) + '\n';
          throw new Error('connection reset');
        })(),
      );
      await assert.rejects(
        importSalesCsv(store, { marketId: 'early', stream, mapping, createWith: { ...config, id: 'early' }, today: TODAY }),
        (error: unknown) => error instanceof SalesImportError && /connection reset/.test(error.message),
      );
      assert.equal(await findMarket(store.db, 'early'), undefined);
    });

    it('too many rejected rows fails the import and keeps the earlier data as it was', async () => {
      const base = write('base.csv', [HEADER, ...Array.from({ length: 20 }, (_, i) => good(300 + i))]);
      await importSalesCsv(store, { marketId: 'strict', file: base, mapping, createWith: { ...config, id: 'strict' }, today: TODAY });
      const before = await salesOf('strict');
      const changed = write('changed.csv', [
        HEADER,
        ...Array.from({ length: 18 }, (_, i) => good(300 + i, { price: '999999' })),
        good(400, { price: 'x' }),
        good(401, { price: 'y' }),
      ]);
      await assert.rejects(
        importSalesCsv(store, { marketId: 'strict', file: changed, mapping, today: TODAY, chunkSize: 4 }),
        (error: unknown) =>
          error instanceof SalesImportError &&
          error.field === 'maxRejectedShare' &&
          /2 of 20 rows were rejected \(10\.0%\)/.test(error.message) &&
          error.partial!.rejections.map((r) => r.line).join() === '20,21',
      );
      assert.deepEqual(await salesOf('strict'), before);
    });

    it('names the mapping field to fix, and writes nothing', async () => {
      const file = write('ok.csv', [HEADER, good(1)]);
      await assert.rejects(
        importSalesCsv(store, {
          marketId: 'badmap',
          file,
          mapping: { ...mapping, features: { ...mapping.features, bathrooms: { sum: [{ column: 'full', times: 1 }, { column: 'halfs', times: 0.5 }] } } },
          createWith: { ...config, id: 'badmap' },
          today: TODAY,
        }),
        (error: unknown) => error instanceof SalesImportError && error.field === 'mapping.features.bathrooms.sum[1].column' && /'halfs' is not in the file/.test(error.message),
      );
      await assert.rejects(
        importSalesCsv(store, { marketId: 'badmap', file, mapping: { ...mapping, date: { column: 'date', format: 'YYYY/MM/DD' } }, createWith: { ...config, id: 'badmap' } }),
        (error: unknown) => error instanceof SalesImportError && error.field === 'mapping.date.format',
      );
      await assert.rejects(
        importSalesCsv(store, { marketId: 'badmap', file, mapping: { ...mapping, features: { ...mapping.features, pool: { column: 'sqft' } } }, createWith: { ...config, id: 'badmap' } }),
        (error: unknown) => error instanceof SalesImportError && error.field === 'mapping.features.pool',
      );
      await assert.rejects(
        importSalesCsv(store, { marketId: 'nosuch', file, mapping, today: TODAY }),
        (error: unknown) => error instanceof SalesImportError && error.field === 'marketId',
      );
      await assert.rejects(
        importSalesCsv(store, { marketId: 'badmap', file: join(dir, 'missing.csv'), mapping, createWith: { ...config, id: 'badmap' } }),
        (error: unknown) => error instanceof SalesImportError && error.field === 'file',
      );
      assert.equal(await findMarket(store.db, 'badmap'), undefined);
      await assert.rejects(
        importSalesCsv(store, { marketId: 'badmap', file: write('empty.csv', []), mapping, createWith: { ...config, id: 'badmap' } }),
        (error: unknown) => error instanceof SalesImportError && error.field === 'file' && /empty/.test(error.message),
      );
      const headerOnly = await importSalesCsv(store, { marketId: 'headeronly', file: write('header.csv', [HEADER]), mapping, createWith: { ...config, id: 'headeronly' } });
      assert.deepEqual([headerOnly.rows, headerOnly.imported, headerOnly.rejected], [0, 0, 0]);
    });

    it('reads month-only dates as the 15th and keys properties by rounded coordinates without a key column', async () => {
      const header = 'sale_id,sale_month,price,latitude,longitude,sqft';
      const file = write('months.csv', [header, 'm1,2008-05,150000,38.6319134,-121.4348791,900', 'm2,2009-12,160000,38.6319131,-121.4348789,900', 'm3,2009-13,1,1,1,1']);
      const report = await importSalesCsv(store, {
        marketId: 'months',
        file,
        mapping: { saleId: 'sale_id', date: { column: 'sale_month', format: 'YYYY-MM' }, price: 'price', latitude: 'latitude', longitude: 'longitude', features: { floor_area: { column: 'sqft' } } },
        createWith: { ...config, id: 'months', propertyTypes: [], propertyTypeAliases: {}, features: [{ name: 'floor_area', kind: 'numeric' }] },
        maxRejectedShare: 0.5,
        today: TODAY,
      });
      assert.deepEqual(report.rejections, [{ line: 4, reason: "sale date sale_month '2009-13' is not a YYYY-MM date" }]);
      const sales = await salesOf('months');
      assert.deepEqual(sales.map((s) => s.sale_date), ['2008-05-15', '2009-12-15']);
      assert.equal(sales[0]!.property_id, sales[1]!.property_id);
      const property = await store.db.selectFrom('properties').selectAll().where('id', '=', sales[0]!.property_id).executeTakeFirstOrThrow();
      assert.equal(property.source_key, '38.631913,-121.434879');
    });
  });
}
