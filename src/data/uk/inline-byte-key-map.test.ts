import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashBytes } from './byte-key-table.js';
import { INLINE_KEY_BYTES, InlineByteKeyMap } from './inline-byte-key-map.js';

describe('InlineByteKeyMap', () => {
  // Two-part keys "postcode|address", some longer than a slot holds.
  const lines = Array.from({ length: 5000 }, (_, i) => `M${i % 37} ${i % 10}AB|${i} ${i % 7 === 0 ? 'THE OLD RECTORY, CHURCH LANE, LITTLE SNORING ' : ''}HIGH STREET`);
  const text = Buffer.from(lines.join('\n'));
  const keys: Array<[number, number, number, number]> = [];
  let at = 0;
  for (const line of lines) {
    const bar = line.indexOf('|');
    keys.push([at, at + bar, at + bar + 1, at + line.length]);
    at += line.length + 1;
  }

  it('gives the value of each two-part key it was given, short or long, across growth, and -1 for any other', () => {
    assert.ok(keys.some(([a, b, c, d]) => b - a + 1 + d - c > INLINE_KEY_BYTES), 'some keys go beyond a slot');
    const map = new InlineByteKeyMap(16);
    keys.forEach(([a, b, c, d], i) => {
      const h = hashBytes(text, a, b, c, d);
      assert.equal(map.get(h, text, a, b, c, d), -1);
      map.set(h, text, a, b, c, d, i * 3);
    });
    assert.equal(map.size, keys.length);
    keys.forEach(([a, b, c, d], i) => assert.equal(map.get(hashBytes(text, a, b, c, d), text, a, b, c, d), i * 3));
    // The same bytes split differently between the two parts are a different key.
    const [a, b, c, d] = keys[8]!;
    const shifted = Buffer.concat([text.subarray(a, b - 1), Buffer.from('|'), text.subarray(b - 1, b), text.subarray(c, d)]);
    const split = b - 1 - a;
    assert.equal(map.get(hashBytes(shifted, 0, split, split + 1, shifted.length), shifted, 0, split, split + 1, shifted.length), -1);
  });

  it('tells keys apart by their bytes when their hashes are all the same', () => {
    const map = new InlineByteKeyMap(16);
    const some = keys.slice(0, 300);
    some.forEach(([a, b, c, d], i) => map.set(42, text, a, b, c, d, i));
    some.forEach(([a, b, c, d], i) => assert.equal(map.get(42, text, a, b, c, d), i));
    const [a, b, c, d] = keys[300]!;
    assert.equal(map.get(42, text, a, b, c, d), -1);
  });
});

describe('InlineByteKeyMap.replace', () => {
  it('gives a key already there another value, short or long, and refuses a key not there', () => {
    const text = Buffer.from(`M202TG|12 HIGH STREET\nM202TG|${'ROSE COTTAGE '.repeat(6)}`);
    const short: [number, number, number, number] = [0, 6, 7, 21];
    const long: [number, number, number, number] = [22, 28, 29, text.length];
    const map = new InlineByteKeyMap();
    for (const [a, b, c, d] of [short, long]) {
      const h = hashBytes(text, a, b, c, d);
      map.set(h, text, a, b, c, d, 1);
      map.replace(h, text, a, b, c, d, 7);
      assert.equal(map.get(h, text, a, b, c, d), 7);
    }
    assert.throws(() => map.replace(hashBytes(text, 0, 6, 7, 20), text, 0, 6, 7, 20, 3), /not in the map/);
  });
});
