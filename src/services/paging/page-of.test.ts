import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pageOf } from './page-of.js';

describe('pageOf', () => {
  it('keeps the page and gives the cursor of the next only when a row beyond it was read', () => {
    assert.deepEqual(pageOf([5, 4, 3], 2, (n) => n), { items: [5, 4], next: 4 });
    assert.deepEqual(pageOf([5, 4], 2, (n) => n), { items: [5, 4], next: null });
    assert.deepEqual(pageOf([], 2, (n: number) => n), { items: [], next: null });
  });
});
