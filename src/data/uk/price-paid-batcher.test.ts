import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ppdLine, tempDir, writeFile } from '../../../test/uk/fixtures.js';
import { decodeSales } from '../../store/repositories/price-paid-batch.js';
import { PPD_FIELDS, PricePaidBatcher } from './price-paid-batcher.js';
import { readPricePaidRecords } from './price-paid-records.js';

/** The lines batched as the reading worker batches them (M20 2TG placed), with the rejections. */
async function batchOf(registerKeys: string[], lines: string[]) {
  const file = writeFile(tempDir(), 'pp.csv', lines.join('\n') + '\n');
  const batcher = new PricePaidBatcher(new Map([['M202TG', [53.414, -2.234]]]), registerKeys, 1000, 'test');
  await readPricePaidRecords(file, 0, 1, PPD_FIELDS, {
    record: (fields, count, line) => batcher.record(fields, count, line),
    blank: () => batcher.blank(),
    invalid: (line, reason) => batcher.invalid(line, reason),
    chunkDone: () => {},
  });
  const rejected = batcher.takeRejections().map((r) => `${r.line}: ${r.reason}`);
  return { batch: batcher.takeBatch(0, 0, true), rejected };
}

/** Each line's register index (its sale's ref, in file order) and the source keys of the new properties. */
async function link(registerKeys: string[], lines: string[]): Promise<{ refs: number[]; created: string[]; rejected: string[] }> {
  const { batch, rejected } = await batchOf(registerKeys, lines);
  return { refs: [...batch.refs.subarray(0, batch.count)], created: batch.properties.sourceKey, rejected };
}

const id = (n: number) => `AAAAAAAA-0000-0000-0000-${String(n).padStart(12, '0')}`;

describe('PricePaidBatcher register linking', () => {
  it('links an address to the register key it equals, or the single one it continues or is continued by', async () => {
    const register = ['M202TG:12 HIGH STREET', 'M202TG:7 MILL LANE', 'M1 1AA:12 HIGH STREET'];
    const { refs, created, rejected } = await link(register, [
      ppdLine({ id: id(1), paon: '12', street: 'HIGH STREET' }), // equal: register index 0
      ppdLine({ id: id(2), paon: '12', street: 'HIGH STREET DIDSBURY' }), // continues index 0
      ppdLine({ id: id(3), paon: '7', street: 'MILL' }), // continued by index 1
      ppdLine({ id: id(4), paon: '12', street: 'HIGH ROAD' }), // same first token, neither continues the other: new
      ppdLine({ id: id(5), paon: '12', street: 'HIGH ROAD' }), // the new one again, spelled the same
      ppdLine({ id: id(6), paon: '12 ', street: ' HIGH ROAD' }), // spelled otherwise, same key
    ]);
    assert.deepEqual(rejected, []);
    assert.deepEqual(created, ['M202TG:12 HIGH ROAD']);
    assert.deepEqual(refs, [0, 0, 1, 3, 3, 3]);
  });

  it('keeps apart an address that two register keys continue (ambiguous), and prefers an equal key to a prefix', async () => {
    const register = ['M202TG:12 HIGH STREET NORTH', 'M202TG:12 HIGH STREET SOUTH', 'M202TG:3 PARK ROAD', 'M202TG:3 PARK ROAD EAST'];
    const { refs, created } = await link(register, [
      ppdLine({ id: id(1), paon: '12', street: 'HIGH STREET' }), // continued by both 0 and 1: a property of its own
      ppdLine({ id: id(2), paon: '3', street: 'PARK ROAD' }), // equals 2 (3 PARK ROAD EAST continues it too)
      ppdLine({ id: id(3), paon: '12', street: 'HIGH STREET NORTH' }),
    ]);
    assert.deepEqual(created, ['M202TG:12 HIGH STREET']);
    assert.deepEqual(refs, [4, 2, 0]);
  });

  it('keeps a transaction id without its braces, in upper case', async () => {
    const { batch } = await batchOf([], [ppdLine({ id: '3F0A0000-0000-0000-0000-000000000001' }), ppdLine({ id: 'c2d10000-0000-0000-0000-000000000002' })]);
    const keys = decodeSales(batch, [1]).map((s) => s.sourceKey);
    assert.deepEqual(keys, ['3F0A0000-0000-0000-0000-000000000001', 'C2D10000-0000-0000-0000-000000000002']);
  });
});
