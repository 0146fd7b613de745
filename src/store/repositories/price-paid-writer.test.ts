import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { groupByPlace } from './price-paid-writer.js';

describe('groupByPlace', () => {
  it('orders indices by place, keeping the order met within a place', () => {
    assert.deepEqual([...groupByPlace([3, 1, 3, 0, 1, 3])], [3, 1, 4, 0, 2, 5]);
    assert.deepEqual([...groupByPlace([])], []);
    // Place numbers as large as a national file's postcodes still sort exactly.
    assert.deepEqual([...groupByPlace([1_700_000, 5, 1_699_999])], [1, 2, 0]);
  });
});
