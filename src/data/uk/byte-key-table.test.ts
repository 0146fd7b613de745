import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ByteKeyTable, hashBytes } from './byte-key-table.js';

describe('ByteKeyTable', () => {
  it('finds each two-part key it was given, across growth, and nothing else', () => {
    const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `M${i % 37} ${i % 10}AB|${i} HIGH STREET`).join('\n'));
    const keys: Array<[number, number, number, number]> = [];
    let at = 0;
    for (const line of text.toString('latin1').split('\n')) {
      const bar = line.indexOf('|');
      keys.push([at, at + bar, at + bar + 1, at + line.length]);
      at += line.length + 1;
    }
    const table = new ByteKeyTable(16);
    keys.forEach(([a, b, c, d], i) => {
      const h = hashBytes(text, a, b, c, d);
      assert.equal(table.find(h, text, a, b, c, d), -1);
      assert.equal(table.add(h, text, a, b, c, d), i);
    });
    keys.forEach(([a, b, c, d], i) => assert.equal(table.find(hashBytes(text, a, b, c, d), text, a, b, c, d), i));
    // The same bytes split differently between the two parts are a different key.
    const [a, b, c, d] = keys[7]!;
    const shifted = Buffer.concat([text.subarray(a, b - 1), Buffer.from('|'), text.subarray(b - 1, b), text.subarray(c, d)]);
    const split = b - 1 - a;
    assert.equal(table.find(hashBytes(shifted, 0, split, split + 1, shifted.length), shifted, 0, split, split + 1, shifted.length), -1);
    table.clear();
    assert.equal(table.find(hashBytes(text, a, b, c, d), text, a, b, c, d), -1);
  });
});
