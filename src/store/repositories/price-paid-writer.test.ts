import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeTargetNames, withStore } from '../../../test/support/stores.js';
import {
  SALE_DATE_AT,
  SALE_KEY_AT,
  SALE_KEY_LENGTH_AT,
  SALE_KIND_AT,
  SALE_PRICE_AT,
  SALE_RECORD,
  packProperties,
  unpackProperties,
  writeDigits,
  type PricePaidBatch,
} from './price-paid-batch.js';
import { openPricePaidWriter, orderByKeyPrefix } from './price-paid-writer.js';
import { insertRegisterProperties } from './uk.js';

describe('orderByKeyPrefix', () => {
  it('orders indices by the first six characters of their keys, in the order given within those', () => {
    assert.deepEqual([...orderByKeyPrefix(['M202TG:3 MILL LANE', 'M11AA:12 HIGH STREET', 'M202TG:12 HIGH STREET', 'M11AA:1 HIGH STREET', 'M11AB:1 HIGH STREET'])], [1, 3, 4, 0, 2]);
    assert.deepEqual([...orderByKeyPrefix(['Z9', 'A', '0', '', 'AZ'])], [3, 2, 1, 4, 0]);
    assert.deepEqual([...orderByKeyPrefix([])], []);
  });
});

describe('packProperties', () => {
  it('gives back the same properties, whatever their text holds', () => {
    const p = {
      firstIndex: 12,
      sourceKey: ['M202TG:1 MILL LANE', 'M202TG:', 'M11AA:FLAT 2 \u00e9T\u00c9'],
      address: ['1 Mill Lane', '', 'Flat 2, \u00c9t\u00e9 "House"\u0000'],
      postcode: ['M20 2TG', 'M20 2TG', 'M1 1AA'],
      postcodeKey: ['M202TG', 'M202TG', 'M11AA'],
      latitude: [53.414, 53.414, 53.48],
      longitude: [-2.234, -2.234, -2.24],
      propertyType: ['Detached', 'Flat', 'Flat'],
      attributes: ['{}', '{"a":1}', '{"district":"\u00e9"}'],
    };
    assert.deepEqual(unpackProperties(structuredClone(packProperties(p))), p);
    const none = { ...p, sourceKey: [], address: [], postcode: [], postcodeKey: [], latitude: [], longitude: [], propertyType: [], attributes: [] };
    assert.deepEqual(unpackProperties(structuredClone(packProperties(none))), none);
  });
});

/** A batch of one sale per new property, property i at register index i. */
function batchOf(keys: string[]): PricePaidBatch {
  const sales = Buffer.alloc(keys.length * SALE_RECORD, 0x30);
  keys.forEach((key, i) => {
    const o = i * SALE_RECORD;
    const id = `{SALE-${key}}`;
    sales.write(id, o + SALE_KEY_AT, 'latin1');
    writeDigits(sales, o + SALE_KEY_LENGTH_AT, 2, id.length);
    sales.write('2020-01-15', o + SALE_DATE_AT, 'latin1');
    writeDigits(sales, o + SALE_PRICE_AT, 12, 250_000 + i);
    writeDigits(sales, o + SALE_KIND_AT, 3, 0);
  });
  return {
    properties: {
      firstIndex: 0,
      sourceKey: keys,
      address: keys.map((k) => `${k} High Street`),
      postcode: keys.map(() => 'M1 1AA'),
      postcodeKey: keys.map(() => 'M11AA'),
      latitude: keys.map(() => 53.48),
      longitude: keys.map(() => -2.24),
      propertyType: keys.map(() => 'Detached'),
      attributes: keys.map(() => '{}'),
    },
    sales,
    count: keys.length,
    refs: Int32Array.from(keys, (_, i) => i),
    oversize: [],
    deletions: [],
    progress: null,
  };
}

for (const name of storeTargetNames()) {
  describe(`Price Paid writer on ${name}`, () => {
    it("keeps another writer's property when it registered the same address after this import read the register", async () => {
      await withStore(name, async (store) => {
        const now = new Date().toISOString();
        await store.db.insertInto('markets').values({ id: 'uk-test', name: 'UK test', config: '{}', created_at: now, updated_at: now }).execute();
        // Registered by someone else while this import was reading: this import still thinks B is new.
        const theirs = await insertRegisterProperties(store.db, 'uk-test', [
          { sourceKey: 'B', uprn: null, address: 'B High Street', postcode: 'M1 1AA', postcodeKey: 'M11AA', latitude: 53.48, longitude: -2.24, propertyType: 'Detached', attributes: '{}' },
        ]);
        const writer = await openPricePaidWriter(store, 'uk-test', { saleKinds: [{ attributes: '{}', isMarket: 1, nonMarketReason: null }], bulk: false });
        const registerIds: number[] = [];
        try {
          await writer.write(batchOf(['A', 'B', 'C']), registerIds);
          await writer.finish();
        } finally {
          await writer.close();
        }
        assert.equal(registerIds[1], theirs.get('B'), "the sale of B joins the property already registered");
        assert.equal(new Set(registerIds).size, 3);
        const properties = await store.db.selectFrom('properties').select(['id', 'source_key']).where('market_id', '=', 'uk-test').orderBy('source_key').execute();
        assert.deepEqual(properties.map((p) => p.source_key), ['A', 'B', 'C'], 'no second row for B');
        const sales = await store.db.selectFrom('sales').select(['source_key', 'property_id', 'price']).where('market_id', '=', 'uk-test').orderBy('source_key').execute();
        assert.deepEqual(
          sales.map((s) => [s.source_key, Number(s.property_id), Number(s.price)]),
          [
            ['{SALE-A}', registerIds[0], 250_000],
            ['{SALE-B}', theirs.get('B'), 250_001],
            ['{SALE-C}', registerIds[2], 250_002],
          ],
        );
      });
    });

    it('does the same inside a 64-row statement, with the batch reordered by key', async () => {
      await withStore(name, async (store) => {
        const now = new Date().toISOString();
        await store.db.insertInto('markets').values({ id: 'uk-test', name: 'UK test', config: '{}', created_at: now, updated_at: now }).execute();
        // Out of key order: the writer inserts (and numbers) the properties in key order.
        const keys = Array.from({ length: 70 }, (_, i) => `K${String((i * 37) % 70).padStart(2, '0')}`);
        const theirs = await insertRegisterProperties(store.db, 'uk-test', [
          { sourceKey: 'K05', uprn: null, address: 'K05 High Street', postcode: 'M1 1AA', postcodeKey: 'M11AA', latitude: 53.48, longitude: -2.24, propertyType: 'Detached', attributes: '{}' },
        ]);
        const writer = await openPricePaidWriter(store, 'uk-test', { saleKinds: [{ attributes: '{}', isMarket: 1, nonMarketReason: null }], bulk: false });
        const registerIds: number[] = [];
        try {
          await writer.write(batchOf(keys), registerIds);
          await writer.finish();
        } finally {
          await writer.close();
        }
        assert.equal(registerIds[keys.indexOf('K05')], theirs.get('K05'));
        assert.equal(new Set(registerIds).size, 70);
        const properties = await store.db.selectFrom('properties').select(['id', 'source_key']).where('market_id', '=', 'uk-test').execute();
        assert.equal(properties.length, 70, 'no second row for K05');
        const ours = properties.filter((p) => p.source_key !== 'K05').sort((a, b) => Number(a.id) - Number(b.id)).map((p) => p.source_key);
        if (name === 'sqlite') assert.deepEqual(ours, [...ours].sort(), 'numbered in key order');
        for (const p of properties) assert.equal(Number(p.id), registerIds[keys.indexOf(p.source_key)], `${p.source_key} has the id its register index was given`);
        const sales = await store.db.selectFrom('sales').select(['source_key', 'property_id']).where('market_id', '=', 'uk-test').execute();
        for (const s of sales) assert.equal(Number(s.property_id), registerIds[keys.indexOf(s.source_key.slice(6, -1))], `${s.source_key} joins its property`);
      });
    });
  });
}
