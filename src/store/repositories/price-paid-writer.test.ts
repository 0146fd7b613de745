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
  KEY_PART_BYTES,
  decodeSales,
  groupSalesByPart,
  keyPart,
  packProperties,
  sortRecordsByKey,
  unpackProperties,
  writeDigits,
  type PricePaidBatch,
} from './price-paid-batch.js';
import { startRecordSorter } from './price-paid-sorter.js';
import { openPricePaidWriter, orderByKeyPrefix } from './price-paid-writer.js';
import { insertRegisterProperties } from './uk.js';

describe('orderByKeyPrefix', () => {
  it('orders indices by the first six characters of their keys, in the order given within those', () => {
    assert.deepEqual([...orderByKeyPrefix(['M202TG:3 MILL LANE', 'M11AA:12 HIGH STREET', 'M202TG:12 HIGH STREET', 'M11AA:1 HIGH STREET', 'M11AB:1 HIGH STREET'])], [1, 3, 4, 0, 2]);
    assert.deepEqual([...orderByKeyPrefix(['Z9', 'A', '0', '', 'AZ'])], [3, 2, 1, 4, 0]);
    assert.deepEqual([...orderByKeyPrefix([])], []);
  });
});

describe('groupSalesByPart', () => {
  it('groups records by the first two bytes of their ids, in part order, keeping batch order within a part', () => {
    const keys = ['B2', 'A9', 'B1', 'A', 'C'];
    const batch = batchOf(keys);
    // The ids are "{SALE-<key>}": make the first two bytes differ as the keys' first letters do.
    for (let i = 0; i < batch.count; i++) batch.sales.write(keys[i]![0]!.repeat(2), i * SALE_RECORD + SALE_KEY_AT, 'latin1');
    const { sales, runs } = groupSalesByPart(batch);
    const ids = decodeSales({ ...batch, sales, oversize: [] }, []).map((s) => s.price - 250_000);
    // Parts "AA" (records 1 and 3, in batch order), "BB" (records 0 and 2), "CC" (record 4).
    assert.deepEqual(ids, [1, 3, 0, 2, 4]);
    assert.deepEqual(runs, [keyPart(Buffer.from('AA'), 0, 2), 0, 2, keyPart(Buffer.from('BB'), 0, 2), 2, 4, keyPart(Buffer.from('CC'), 0, 2), 4, 5]);
  });

  it('numbers parts so that a lower part holds ids that sort first byte by byte', () => {
    const ids = ['A', 'A\u0000', 'AB', 'B', '\u00e9t\u00e9', '0', '{x'].map((s) => Buffer.from(s));
    const byBytes = [...ids].sort(Buffer.compare);
    const byPart = [...ids].sort((a, b) => keyPart(a, 0, a.length) - keyPart(b, 0, b.length) || Buffer.compare(a, b));
    assert.deepEqual(byPart, byBytes);
  });
});

/** Records whose ids are `ids`, each one's price its position, in a blob of its own (movable to a thread). */
function recordsWithIds(ids: Array<Buffer | string>): Buffer {
  const blob = Buffer.from(new ArrayBuffer(ids.length * SALE_RECORD)).fill(0x30);
  ids.forEach((id, i) => {
    const bytes = Buffer.from(id);
    bytes.copy(blob, i * SALE_RECORD + SALE_KEY_AT);
    writeDigits(blob, i * SALE_RECORD + SALE_KEY_LENGTH_AT, 2, bytes.length);
    writeDigits(blob, i * SALE_RECORD + SALE_PRICE_AT, 12, i);
  });
  return blob;
}

describe('sortRecordsByKey', () => {
  /** The positions of records with these ids, in the order sortRecordsByKey puts them. */
  const sortedPositions = (ids: Buffer[], skip = 0) => {
    const sorted = sortRecordsByKey(recordsWithIds(ids), skip);
    return decodeSales({ ...batchOf([]), sales: sorted, count: ids.length, oversize: [] }, []).map((s) => s.price);
  };
  /** The positions in the order a stable sort by bytes (SQLite's BINARY collation) gives. */
  const byBytes = (ids: Buffer[]) => ids.map((id, i) => [id, i] as const).sort((a, b) => Buffer.compare(a[0], b[0]) || a[1] - b[1]).map(([, i]) => i);

  it('orders records by their ids byte by byte, a prefix first, equal ids in the order given', () => {
    const ids = ['AB', 'A', 'A\u0000', 'B', 'AB', '\u00e9t\u00e9', '0', '', 'AB'].map((s) => Buffer.from(s));
    assert.deepEqual(sortedPositions(ids), byBytes(ids));
  });

  it('orders ids that agree beyond its numeric prefix, in long runs and short ones, and skips a part\'s shared bytes', () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const hex = (n: number) => Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(random() * 16)]).join('');
    // Every id starts "C7" (one part); 40 share their first 20 bytes, a few dozen pairs their first 9; the
    // rest are GUIDs, some repeated.
    const ids: Buffer[] = [];
    const shared = `C7${hex(18)}`;
    for (let i = 0; i < 40; i++) ids.push(Buffer.from(`${shared}-${hex(4)}`));
    for (let i = 0; i < 30; i++) {
      const head = `C7${hex(7)}`;
      ids.push(Buffer.from(`${head}${hex(10)}`), Buffer.from(`${head}${hex(3)}`));
    }
    for (let i = 0; i < 3000; i++) ids.push(Buffer.from(`C7${hex(6)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`));
    for (let i = 0; i < 200; i++) ids.push(ids[Math.floor(random() * ids.length)]!);
    assert.deepEqual(sortedPositions(ids, KEY_PART_BYTES), byBytes(ids));
    assert.deepEqual(sortedPositions([]), []);
  });
});

describe('startRecordSorter', () => {
  it('sorts in another thread as sortRecordsByKey does, in the order asked, and refuses once closed', async () => {
    const parts = [['C7B', 'C7A', 'C7AB', 'C7A'], ['D1', 'D0'], []];
    const sorter = startRecordSorter();
    try {
      const sorted = await Promise.all(parts.map((ids) => sorter.sort(recordsWithIds(ids), KEY_PART_BYTES)));
      parts.forEach((ids, k) => assert.deepEqual(sorted[k], sortRecordsByKey(recordsWithIds(ids), KEY_PART_BYTES)));
    } finally {
      await sorter.close();
    }
    await assert.rejects(sorter.sort(recordsWithIds(['A']), 0), /stopped/);
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
