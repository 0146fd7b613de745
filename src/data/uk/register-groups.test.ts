import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterGroups } from './register-groups.js';

describe('RegisterGroups', () => {
  it("gathers a postcode's register indices by first token, one group per postcode and token", () => {
    const groups = new RegisterGroups(4);
    assert.equal(groups.get('M202TG', '12'), undefined);
    groups.add('M202TG', '12', 5);
    assert.equal(groups.get('M202TG', '12'), 5);
    groups.add('M202TG', '12', 9);
    groups.add('M202TG', '12', 11);
    assert.deepEqual(groups.get('M202TG', '12'), [5, 9, 11]);
    // The same bytes split between postcode and token another way, and another postcode, are other groups.
    groups.add('M202T', 'G12', 1);
    groups.add('M11AA', '12', 2);
    assert.equal(groups.get('M202T', 'G12'), 1);
    assert.equal(groups.get('M11AA', '12'), 2);
    assert.deepEqual(groups.get('M202TG', '12'), [5, 9, 11]);
    // Growing past the expected size, and a token longer than a table slot holds.
    const long = 'X'.repeat(80);
    for (let i = 0; i < 3000; i++) groups.add(`M${i}`, i % 2 ? long : 'FLAT', i);
    for (let i = 0; i < 3000; i++) assert.equal(groups.get(`M${i}`, i % 2 ? long : 'FLAT'), i);
    groups.add('M1', long, 4000);
    assert.deepEqual(groups.get('M1', long), [1, 4000]);
  });
});
